"""11. How the plan was computed, in plain words."""

from __future__ import annotations

from planner.report import format as fmt
from planner.report.blocks import solver_label
from planner.report.view import PlanView
from planner.schema import PlanningMode


def build(p: PlanView) -> list[dict]:
    f = p.inputs.finance
    seg = p.seg
    strategic = seg.strategic_tier or f.strategic_tier
    return [
        {
            "title": "1. Scoring the accounts",
            "paragraphs": [
                "Each account gets a score from 0 to 100. Revenue counts, but so do four pillars: how fast the account could grow, what it is "
                "worth beyond its invoice (a reference, a design partner), how much effort it takes to serve, and how healthy and mature its "
                "use of the product is. The Scoring sheet says which CRM columns feed each pillar, with what weight and in which direction.",
                "Each column is turned into a rank among all accounts, so a column in dollars and one in percent count on the same scale and "
                "one very large account does not flatten everyone else. A blank is never read as zero: the account is scored on the signals it "
                "has, and the gap is listed in the data gaps section.",
            ],
        },
        {
            "title": "2. Placing accounts in tiers",
            "paragraphs": [
                "The score cut-offs are chosen so that each tier's share of ARR, or of accounts, falls inside its band, filling the tiers from the "
                "highest score down. Accounts with the same score always land in the same tier, so the rule can be typed into the CRM as it stands.",
                f"Then the re-tiering margin of {fmt.quantity(seg.margin, 2)} points keeps accounts near a boundary where "
                f"they were; accounts flagged strategic are placed no lower than {strategic or 'the strategic tier'}; accounts flagged at risk of "
                "churn get one tier more attention; and a locked tier overrides everything, with its reason quoted.",
            ],
        },
        {
            "title": "3. Pricing each service",
            "paragraphs": [
                "One occurrence of a service costs the hours it takes times the hourly rate of the role that delivers it, plus any direct cost "
                "such as travel or tools. Times the occurrences per year, that is the annual cost per account. The Assessed Service Value adds "
                f"the {fmt.percent(f.margin, 0)} profit margin to that cost: annual cost x (1 + margin), the reading of the source method's "
                "cost-times-interval-times-margin formula that keeps value above cost.",
            ],
        },
        {
            "title": "4. Choosing intervals and headcount",
            "paragraphs": [
                "An integer optimisation model chooses how often each tier receives each service, within the minimum and maximum on the "
                "Intervals sheet, and how many whole people each role needs. Named roles are hired per tier and must cover both the hours and "
                "the book of accounts each person can carry; pooled roles serve every tier. Mandatory services never fall below the negotiated "
                "interval, a higher tier never receives less of a service than a lower one where the catalog asks for that, and each tier's "
                "cost stays under its guardrail. Support queues add their hours to the role that staffs them.",
                (
                    "In min_cost mode the model delivers the negotiated intervals at the lowest total cost."
                    if p.mode == PlanningMode.MIN_COST else
                    "In max_value mode the model buys the most expected ARR impact the budget allows, each further occurrence of a service in a "
                    "year being worth a little less than the one before; among plans of equal impact it takes the cheapest."
                ),
                f"{solver_label(p.opt.solver)} solved the model. The frontier re-solves it at other budgets; the shadow prices come from its linear "
                "relaxation and each tested change from a full re-solve. When the requirements cannot all hold, the model finds which ones "
                "conflict and the smallest budget, or the fewest extra people, that would make a plan possible.",
            ],
        },
        {
            "title": "5. What to keep in mind",
            "paragraphs": [
                "The plan is as good as its inputs. Costs, hours, intervals and impacts are estimates typed into the workbook, and the CRM export "
                "has the gaps listed above. Re-run the plan after each quarterly review of the accounts and after any change to the service "
                "catalog, the SLAs or the budget.",
            ],
        },
    ]
