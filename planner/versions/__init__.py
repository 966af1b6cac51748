"""Versions of a plan: what it was computed from (normalised inputs and their fingerprint), its figures, and what changed.

- :mod:`planner.versions.normalise`: the normalised inputs plan.json carries and their SHA-256 fingerprint;
- :mod:`planner.versions.facts`: the figures two plans are compared on, from a plan or from its plan.json;
- :mod:`planner.versions.diff`: inputs cell by cell, tiers, the plan, and which input change explains which plan change.

Pure computation (the attribution re-solves through planner.scenarios.run, the optimizer's guarded solves).
"""

from planner.versions.normalise import accounts_fingerprint, fingerprint, fingerprint_of, normalised_inputs

__all__ = ["accounts_fingerprint", "fingerprint", "fingerprint_of", "normalised_inputs"]
