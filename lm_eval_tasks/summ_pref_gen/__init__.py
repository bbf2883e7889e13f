"""summ_pref_gen, summ_pref_gen_oai, summ_pref_gen_cnndm: K sampled summaries per distinct post."""
