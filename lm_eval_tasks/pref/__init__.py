"""pref_pairs, pref_axis: any preference dataset's pairs or rated responses."""
