"""Incentive rules (7.3.1) as reviewed data, eligibility explained rule by rule, confirmations and record pages."""
