"""The scenario's feedback loops (docs/MODEL.md §3.4): product defects the company hears of
and fixes ([product]), customers whose satisfaction follows their service ([customers]), and
contributors who burn out and take a break ([burnout])."""

from __future__ import annotations

from sim.params.section import Section, param


class Product(Section):
    """Issues come from product defects; the company notices a defect by its signals and, when
    it listens (the voice-of-customer lever), fixes it after a lag, a few a month."""

    defects_per_topic: int = param(3, "defects", "Fixable defects behind each topic's issues, their severities split at random (Dirichlet(1)) [assumption]", ge=1, le=100)
    fixable_share: float = param(0.5, "fraction", "Share of each topic's issues that come from fixable defects; the rest are how-to questions no fix removes [assumption: range 0.2-0.8]", ge=0, le=1)
    listening: bool = param(False, "-", "Voice of customer: whether noticed defects are sent to be fixed [assumption: off, a company whose service data stays in its silos, as in the 004 seed]")
    listen_forum: bool = param(True, "-", "With listening: the company watches the forum's visible me-too counts")
    listen_contact: bool = param(True, "-", "With listening: the company counts contact-centre calls by the defect behind them (reason codes)")
    listen_social: bool = param(True, "-", "With listening: the company counts public complaints by defect")
    metoo: bool = param(True, "-", "Whether an asker whose problem already has an open thread may add a visible 'me too' to it instead of opening a new one [004 seed: 'the last 400 to arrive will see that their issue is inherent to that product']")
    metoo_probability: float = param(0.5, "probability", "Chance that such an asker adds a me-too rather than a thread of its own [assumption]", ge=0, le=1)
    metoo_threshold: int = param(5, "me-toos", "Me-toos on one thread at which the company notices its defect [assumption]", ge=1, le=1_000_000)
    calls_threshold: float = param(30.0, "calls", "Recent calls about one defect (an exponentially weighted count) at which the company notices it [assumption]", gt=0, le=1e9)
    complaints_threshold: float = param(10.0, "complaints", "Recent public complaints about one defect at which the company notices it [assumption]", gt=0, le=1e9)
    signal_memory_days: float = param(30.0, "days", "Mean age of the calls and complaints counted (exponential forgetting) [assumption]", gt=0, le=3650)
    fixes_per_month: float = param(4.0, "fixes/month", "Fixes the product teams can ship a month, in the order defects were noticed [assumption]", ge=0, le=10_000)
    fix_lag_days: float = param(30.0, "days", "Time from noticing a defect to the earliest fix [assumption: one release cycle]", ge=0, le=3650)


class Customers(Section):
    """Satisfaction follows each service outcome and sets the churn hazard."""

    satisfaction_start: float = param(1.0, "0-1", "Satisfaction of a member who has had no service yet: satisfied, so that only service can lose a customer [assumption]", ge=0, le=1)
    satisfaction_learning_rate: float = param(0.3, "-", "EWMA weight of the latest service outcome in satisfaction [assumption: as experience_learning_rate]", ge=0, le=1)
    wait_penalty_per_hour: float = param(0.02, "1/hour", "Satisfaction an outcome loses per hour the customer waited for it [assumption]", ge=0, le=10)
    dissatisfaction_churn: float = param(1.5, "x", "Extra churn hazard of a wholly dissatisfied member, relative to a satisfied one: hazard x (1 + this x (1 - satisfaction)) [assumption: range 0.5-4]", ge=0, le=100)


class Burnout(Section):
    """A contributor whose fatigue crosses a threshold takes a break."""

    breaks: bool = param(True, "-", "Whether burnt-out contributors take breaks (off: fatigue only lowers motivation and raises churn)")
    fatigue_threshold: float = param(1.0, "fatigue", "Fatigue at which a contributor stops for a break: about ten answers in a few days [calibrated: at 0.6 breaks took the Stack Overflow-like answer rate out of its band (0.857); at 1.0 it is 0.915]", gt=0, le=100)
    break_days: float = param(21.0, "days", "Mean length of a break, exponential [assumption]", gt=0, le=3650)
    return_share: float = param(0.7, "fraction", "Share of contributors who come back from a break to their role; the rest go back to reading [assumption]", ge=0, le=1)
