"""summ_pref_axis, summ_pref_cmp (and their _oai, _cnndm variants, whose YAMLs live in ../summ_pref_oai and
../summ_pref_cnndm): one loglikelihood request per human-judged summary."""
