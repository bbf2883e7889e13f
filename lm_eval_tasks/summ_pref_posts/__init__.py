"""summ_pref_posts, summ_pref_posts_oai, summ_pref_posts_cnndm: the post text itself scored after the
prompt's header."""
