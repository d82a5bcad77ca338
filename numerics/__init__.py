"""Numerical companions to the theory (numpy, scipy, torch).  Never imports proofs or figures."""
