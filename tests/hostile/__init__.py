"""Hostile inputs: what an attacker would try, each case asserting what was not lost and what did not run."""
