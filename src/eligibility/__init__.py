"""eligibility: checks partners against the Work in NL covenant."""
