"""TierPlan: Customer Success tier planning for SaaS finance and CS leaders."""

__version__ = "0.1.0"
