"""The typed scenario: every model parameter, its default, unit, valid range and meaning.

Defaults cite their source in the description's last bracket; docs/MODEL.md explains each.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator


def param(default: Any, unit: str, description: str, ge: float | None = None,
          le: float | None = None, gt: float | None = None, lt: float | None = None) -> Any:
    """A schema field carrying its unit, so docs and error messages can show it."""
    return Field(default, ge=ge, le=le, gt=gt, lt=lt, description=description,
                 json_schema_extra={"unit": unit})


# Every data file (scenarios, targets, facts) is closed and strict: unknown keys, silently
# coerced types and non-finite numbers (inf, nan: no parameter or target can mean them) are errors.
DATA_CONFIG = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)


class Section(BaseModel):
    """Strict, closed section: unknown keys, coerced types and non-finite numbers are errors.

    A capacity (staff hours, agents, a licence) is given in one of two explicit forms: an
    absolute number, or a rate per 1,000 members that scales with the community. CAPACITIES
    pairs each absolute key with its per-size key; the schema defaults to one of them, a
    file that gives the other replaces it, and a file that gives both is refused."""

    model_config = ConfigDict(**DATA_CONFIG, validate_assignment=True)
    CAPACITIES: ClassVar[tuple[tuple[str, str], ...]] = ()

    @model_validator(mode="before")
    @classmethod
    def _one_capacity_form(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        for absolute, per_size in cls.CAPACITIES:
            if absolute in data and per_size in data and data[absolute] is not None and data[per_size] is not None:
                raise ValueError(f"give {absolute} or {per_size}, not both")
            for given, other in ((absolute, per_size), (per_size, absolute)):
                if data.get(given) is not None:
                    data = {**data, other: None}
        return data

    @model_validator(mode="after")
    def _capacity_given(self) -> Section:
        for absolute, per_size in self.CAPACITIES:
            if getattr(self, absolute) is None and getattr(self, per_size) is None:
                raise ValueError(f"give {absolute} or {per_size}")
        return self

    def __setattr__(self, name: str, value: Any) -> None:
        """Assigning one form of a capacity replaces the other."""
        for pair in self.CAPACITIES:
            if name in pair and value is not None:
                self.__dict__[pair[1 - pair.index(name)]] = None
        super().__setattr__(name, value)

    def capacity(self, absolute: str, members: int) -> float:
        """The capacity named by its absolute key, for a community of `members` members."""
        per_size = dict(self.CAPACITIES)[absolute]
        value = getattr(self, absolute)
        return float(value) if value is not None else float(getattr(self, per_size)) * members / 1000.0


class ScenarioInfo(Section):
    name: str = param("unnamed", "-", "Short name of the scenario, shown in reports")
    description: str = param("", "-", "The story the scenario tells")
    days: int = param(365, "days", "Simulated duration", ge=1, le=36500)
    seed: int = param(42, "-", "Seed used when none is given on the command line", ge=0,
                      le=2**63 - 1)


class Population(Section):
    members: int = param(10000, "members", "Members at the start", ge=1, le=20_000_000)
    reader_share: float = param(0.90, "fraction", "Initial share of readers [Nielsen 2006, 90-9-1]", ge=0, le=1)
    responder_share: float = param(0.09, "fraction", "Initial share of responders [Nielsen 2006]", ge=0, le=1)
    superuser_share: float = param(0.01, "fraction", "Initial share of super-users [Nielsen 2006]", ge=0, le=1)
    issue_interval_days: float = param(60.0, "days", "Mean time between a member's product issues [DESIGN.md]", gt=0, le=3650)
    issue_propensity_shape: float = param(0.3, "-", "Gamma shape of per-member issue propensity; lower = more unequal [calibrated: lurker share]", ge=0.05, le=100)
    expertise_reader: float = param(0.35, "0-1", "Mean expertise of initial readers [assumption]", gt=0, le=0.99)
    expertise_responder: float = param(0.55, "0-1", "Mean expertise of initial responders [assumption]", gt=0, le=0.99)
    expertise_superuser: float = param(0.75, "0-1", "Mean expertise of initial super-users [assumption]", gt=0, le=0.99)
    expertise_concentration: float = param(8.0, "-", "Beta concentration of expertise around its mean", gt=0, le=1000)
    online_hours_median: float = param(0.2, "hours/week", "Median hours a week a member would spend browsing to answer [calibrated: participation facts]", ge=0, le=168)
    superuser_online_boost: float = param(1.5, "x", "Super-user status multiplies browsing time (commitment to the role)", ge=0, le=100)
    online_hours_max: float = param(40.0, "hours/week", "Most hours a week anyone spends browsing to answer", gt=0, le=168)
    online_sigma: float = param(1.0, "-", "Log-normal spread of individual online propensity; the initial roles are its top 1% and next 9% [calibrated: participation facts]", ge=0, le=5)
    join_rate_per_year: float = param(0.20, "1/year", "New members a year per member at the reference answer rate [assumption]", ge=0, le=20)
    join_reference_answer_rate: float = param(0.7, "fraction", "24-hour answer rate at which joining runs at its base rate", gt=0, le=1)
    join_answer_elasticity: float = param(1.0, "-", "How strongly joining follows the answer rate ('the 90% come if you have the 1%')", ge=0, le=10)

    @model_validator(mode="after")
    def _shares_sum_to_one(self) -> Population:
        total = self.reader_share + self.responder_share + self.superuser_share
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"reader_share + responder_share + superuser_share must be 1 (got {total:g})")
        return self


class Behaviour(Section):
    CAPACITIES = (("coverage_half_stock", "coverage_half_stock_per_1000_members"),
                  ("initial_articles", "initial_articles_per_1000_members"))

    # issues and topics
    topics: int = param(200, "topics", "Number of product topics K [DESIGN.md]", ge=1, le=100_000)
    topic_zipf: float = param(1.0, "-", "Zipf exponent of topic popularity [DESIGN.md]", ge=0, le=5)
    topic_areas: int = param(20, "areas", "Topics are grouped into areas; each member specialises in one", ge=1, le=100_000)
    difficulty_alpha: float = param(2.0, "-", "Beta alpha of issue difficulty [DESIGN.md]", gt=0, le=100)
    difficulty_beta: float = param(3.0, "-", "Beta beta of issue difficulty [DESIGN.md]", gt=0, le=100)
    # self-service and knowledge
    search_quality: float = param(0.6, "probability", "Chance search finds an answer that exists [DESIGN.md]", ge=0, le=1)
    coverage_half_stock: float | None = param(None, "threads", "Solved threads on a topic at which coverage is 1-1/e, absolute", gt=0, le=1e6)
    coverage_half_stock_per_1000_members: float | None = param(1.5, "threads per 1,000 members", "Solved threads on a topic at which coverage is 1-1/e, per size: a larger customer base brings more variants of each issue [assumption; 15 at 10,000 members]", gt=0, le=1e6)
    knowledge_half_life_days: float = param(180.0, "days", "Half-life of a solved thread's usefulness [DESIGN.md]", gt=0, le=36500)
    initial_articles: float | None = param(None, "articles", "Knowledge at the start (docs and past threads), spread over topics by popularity, absolute", ge=0, le=1e8)
    initial_articles_per_1000_members: float | None = param(150.0, "articles per 1,000 members", "Knowledge at the start, per size (in proportion to the coverage stock) [assumption; 1,500 at 10,000 members]", ge=0, le=1e8)
    # channel choice
    forum_open: bool = param(True, "-", "Whether the company runs a community forum at all")
    utility_forum: float = param(-0.5, "utils", "Base utility of posting in the forum [calibrated: lurker share]", ge=-20, le=20)
    utility_contact: float = param(0.0, "utils", "Base utility of calling the contact centre", ge=-20, le=20)
    utility_social: float = param(-2.5, "utils", "Base utility of complaining in public on social media [calibrated: few complain unless it pays]", ge=-20, le=20)
    experience_weight: float = param(2.0, "utils", "Utility of a channel's learned success rate", ge=0, le=20)
    wait_cost_per_hour: float = param(0.02, "utils/hour", "Utility lost per hour of learned waiting", ge=0, le=10)
    experience_learning_rate: float = param(0.3, "-", "EWMA weight of the latest experience with a channel", ge=0, le=1)
    # forum answering
    browse_limit: int = param(5, "threads", "Threads an online member looks at per visit, b [DESIGN.md]", ge=1, le=1000)
    answered_browse_weight: float = param(0.3, "-", "Relative chance of looking at a thread that already has answers (unanswered first)", ge=0, le=1)
    browse_age_half_life_hours: float = param(24.0, "hours", "Older threads sink down the list: browse weight halves with each half-life of age", gt=0, le=1e5)
    answer_capacity_per_hour: int = param(2, "answers", "Most answers a member writes in one hour", ge=1, le=100)
    writing_minutes: float = param(8.0, "minutes", "Mean time to write an answer", gt=0, le=1440)
    bias_responder: float = param(-2.3, "logit", "Baseline propensity of a responder to answer a thread it sees", ge=-20, le=20)
    bias_superuser: float = param(-2.5, "logit", "Baseline propensity of a super-user to answer", ge=-20, le=20)
    weight_expertise: float = param(3.0, "logit", "Effect of expertise minus difficulty on answering", ge=0, le=50)
    area_match_bonus: float = param(1.0, "logit", "Extra propensity when the thread is in the member's area", ge=0, le=20)
    weight_motivation: float = param(1.0, "logit", "Effect of motivation on answering (recognition enters as log1p, with diminishing returns)", ge=0, le=20)
    crowding_per_answer: float = param(1.5, "logit", "Lost propensity per existing answer on the thread", ge=0, le=20)
    quality_slope: float = param(4.0, "-", "Answer quality = logistic(slope x (expertise - difficulty) + noise)", gt=0, le=100)
    quality_noise: float = param(0.8, "logit", "SD of answer-quality noise", ge=0, le=20)
    need_alpha: float = param(2.0, "-", "Beta alpha of the quality an asker needs to accept", gt=0, le=100)
    need_beta: float = param(3.0, "-", "Beta beta of the quality an asker needs", gt=0, le=100)
    patience_hours: float = param(48.0, "hours", "Mean asker patience before escalating [DESIGN.md]", gt=0, le=10000)
    # the social channel, customer side
    social_patience_hours: float = param(24.0, "hours", "Mean time a public complainer waits for a reply before calling instead (exponential) [assumption]", gt=0, le=10000)
    reach_median: float = param(60.0, "followers", "Median followers of a customer on social media [assumption]", gt=0, le=1e8)
    reach_sigma: float = param(1.5, "-", "Log-normal spread of followers; heavy-tailed, so a few customers are very loud [assumption]", ge=0, le=5)
    social_prior_success: float = param(0.2, "probability", "Success a customer expects from a public complaint before seeing any [assumption: few brands answered in 2009]", ge=0, le=1)
    audience_customer_share: float = param(0.3, "fraction", "Share of a complainer's followers who are customers too and see how the complaint ends [assumption: regional telecom and cable markets]", ge=0, le=1)
    observation_learning_rate: float = param(0.2, "-", "EWMA weight an onlooker gives to a complaint outcome it sees (vs its own experience)", ge=0, le=1)
    # motivation
    intrinsic_mean: float = param(0.0, "-", "Mean intrinsic motivation of contributors", ge=-10, le=10)
    intrinsic_sd: float = param(0.5, "-", "SD of intrinsic motivation across members", ge=0, le=10)
    recognition_per_accept: float = param(0.15, "-", "Recognition from an accepted answer", ge=0, le=10)
    recognition_per_view: float = param(0.002, "-", "Recognition per self-service view of one's solved thread", ge=0, le=10)
    recognition_half_life_days: float = param(30.0, "days", "Half-life of recognition", gt=0, le=3650)
    fatigue_per_answer: float = param(0.1, "-", "Fatigue added by writing one answer", ge=0, le=10)
    fatigue_recovery_per_day: float = param(0.15, "fraction/day", "Share of fatigue recovered each day of rest", ge=0, le=1)
    pileup_similar_share: float = param(0.1, "fraction", "Share of onlookers of a public complaint who have a similar issue and might join it [assumption]", ge=0, le=1)
    pileup_threshold: float = param(1.5, "SD", "Grievance (standard normal) above which such an onlooker joins on its own [assumption]", ge=-10, le=10)
    pileup_conformity: bool = param(True, "-", "Whether onlookers also join by conformity with the pile-up they see [Miller & Page 2004]")
    pileup_half_life_hours: float = param(6.0, "hours", "Half-life of a complaint's visibility in followers' timelines [assumption]", gt=0, le=10000)
    pileup_contact_share: float = param(0.5, "probability", "Chance that joining a pile-up also brings a contact to the contact centre [assumption]", ge=0, le=1)
    # kudos: a standing-ovation cascade on answers (sim/rules/kudos.py)
    kudos_threshold: float = param(0.85, "quality", "A viewer gives kudos on its own when its signal of the answer's quality exceeds this [assumption]", ge=-10, le=10)
    kudos_noise: float = param(0.15, "quality", "SD of a viewer's signal of an answer's quality [assumption]", ge=0, le=10)
    kudos_conformity: bool = param(True, "-", "Whether viewers also give kudos by conformity with the kudos they see [Miller & Page 2004]")
    conformity_mean: float = param(0.5, "fraction", "Mean of members' conformity thresholds X: give kudos if more than X of the viewers one sees did [assumption]", gt=0, lt=1)
    conformity_concentration: float = param(4.0, "-", "Beta concentration of conformity thresholds across members; lower = more varied", gt=0, le=1000)
    kudos_seen_share: float = param(0.3, "probability", "Chance a viewer notices an ordinary earlier viewer (and whether it gave kudos); front-row viewers are always seen", ge=0, le=1)
    kudos_min_audience: float = param(5.0, "viewers", "A viewer judges the share giving kudos over at least this many viewers, so one kudo is not a crowd [assumption]", ge=1, le=1e6)
    front_row_rank: int = param(3, "rank", "Points rank from which a member's kudos are front row, seen by all (super-users always are) [assumption]", ge=0, le=1000)
    recognition_per_kudo: float = param(0.02, "-", "Recognition of an answer's author per kudo it receives [assumption]", ge=0, le=10)
    # roles and churn
    reciprocity: float = param(0.2, "probability", "Chance a reader whose question was solved becomes a responder", ge=0, le=1)
    activity_half_life_days: float = param(28.0, "days", "Half-life of the activity record used for promotion", gt=0, le=3650)
    promote_answers_per_week: float = param(1.0, "answers/week", "Sustained activity that makes a responder a super-user", ge=0, le=1000)
    promote_recognition: float = param(0.5, "-", "Recognition needed besides activity for promotion", ge=0, le=100)
    demote_answers_per_week: float = param(0.25, "answers/week", "Activity below which a super-user returns to responder", ge=0, le=1000)
    churn_rate_per_year: float = param(0.15, "1/year", "Base yearly churn hazard of a member [assumption]", ge=0, le=50)
    burnout_churn_multiplier: float = param(3.0, "-", "Churn hazard multiplier per unit of fatigue (burnout)", ge=0, le=100)

    @model_validator(mode="after")
    def _areas_fit_topics(self) -> Behaviour:
        if self.topic_areas > self.topics:
            raise ValueError(f"topic_areas ({self.topic_areas}) cannot exceed topics ({self.topics})")
        return self


class Costs(Section):
    CAPACITIES = (("moderation_hours_per_day", "moderation_hours_per_1000_members"),
                  ("platform_per_year", "platform_per_1000_members_per_year"))

    contact: float = param(8.01, "currency", "Fully loaded cost of one assisted contact when staffing follows demand: what `roi` saves per contact avoided [Gartner 2019: $8.01 per live-channel contact]", ge=0, le=1e6)
    self_service: float = param(0.10, "currency", "Cost of one self-service resolution [Gartner 2019: $0.10 per self-service contact]", ge=0, le=1e6)
    agent_hour: float = param(32.0, "currency", "Fully loaded cost of one contact-centre agent hour on shift, busy or idle [assumption: range 20-60]", ge=0, le=1e6)
    staff_hour: float = param(40.0, "currency", "Cost of one community staff hour: moderation, forum staff, staff access [assumption: range 25-80]", ge=0, le=1e6)
    social_hour: float = param(40.0, "currency", "Cost of one social-media team hour [assumption: as staff_hour]", ge=0, le=1e6)
    moderation_hours_per_day: float | None = param(None, "hours/day", "Community-management staff time while the forum is open, absolute", ge=0, le=1e5)
    moderation_hours_per_1000_members: float | None = param(0.2, "hours/day per 1,000 members", "Community-management staff time while the forum is open, per size [assumption: one community manager per 40,000 members; range 0.05-1]", ge=0, le=1e5)
    platform_per_year: float | None = param(None, "currency/year", "Community platform licence and hosting a year while the forum is open, absolute", ge=0, le=1e9)
    platform_per_1000_members_per_year: float | None = param(950.0, "currency/year per 1,000 members", "Platform licence a year while the forum is open, per size [Leader Networks 2020: about $350K a year for a large community; scaled by the 370,000 users of its Sophos case, an assumption; range 300-3000]", ge=0, le=1e9)
    currency: str = param("$", "-", "Symbol of the scenario currency, shown before amounts in reports and comparisons")


def _positive_increasing(values: list) -> list:
    """Thresholds (ranks, badges) must be a non-empty, positive, strictly increasing list."""
    if not values or values[0] <= 0 or len(values) > 1000:
        raise ValueError(f"must be a list of 1 to 1000 positive numbers (got {values})")
    if any(b <= a for a, b in zip(values, values[1:])):
        raise ValueError(f"must increase strictly (got {values})")
    return values


class Points(Section):
    enabled: bool = param(False, "-", "Award points, mapped to ranks")
    per_answer: float = param(10.0, "points", "Points for writing an answer [Khoros/Stack Overflow practice]", ge=0, le=1e6)
    per_accepted: float = param(15.0, "points", "Extra points when the answer is accepted [Stack Overflow: +15]", ge=0, le=1e6)
    per_kudo: float = param(10.0, "points", "Points for each kudo an answer receives [Stack Overflow: +10 per up-vote]", ge=0, le=1e6)
    rank_thresholds: list[float] = param([50.0, 200.0, 500.0, 1500.0, 5000.0], "points", "Points at which each rank starts (strictly increasing)")
    rank_up_recognition: float = param(0.5, "-", "Recognition boost of a rank-up, times the member's reward sensitivity; it fades with the recognition half-life", ge=0, le=100)

    _ranks_increase = field_validator("rank_thresholds")(_positive_increasing)


class Badges(Section):
    enabled: bool = param(False, "-", "Award badges at answer-count thresholds")
    thresholds: list[int] = param([1, 5, 10, 25, 50, 100, 250, 500, 1000], "answers", "Answer counts that earn a badge (strictly increasing)")
    goal_gradient: float = param(1.0, "logit", "Value of the answer that earns the next badge; since the last badge it has risen linearly from 1/(gap to the next) [Anderson et al. WWW 2013]", ge=0, le=20)
    recognition_per_badge: float = param(0.3, "-", "Recognition from earning a badge, times the member's reward sensitivity", ge=0, le=100)

    _thresholds_increase = field_validator("thresholds")(_positive_increasing)


class Leaderboard(Section):
    enabled: bool = param(False, "-", "Show the top-k members by recent points")
    size: int = param(10, "members", "How many members the leaderboard shows, k", ge=1, le=100_000)
    window_days: float = param(30.0, "days", "Mean age of the points counted (an exponentially weighted rolling window)", gt=0, le=3650)
    value: float = param(1.0, "logit", "Value of answering for a member right at the cut-off", ge=0, le=20)
    cutoff_width: float = param(5.0, "ranks", "How far from the cut-off rank the value halves (those far above or below care little)", gt=0, le=1e6)


class Programme(Section):
    enabled: bool = param(False, "-", "Run a super-user programme with invitations, perks and staff access")
    size_share: float = param(0.01, "fraction", "Programme seats as a share of members: the 1% [Nielsen 2006; Verizon community leaders]", gt=0, le=1)
    invite_every_days: int = param(90, "days", "Invitation period: empty seats go to the top contributors", ge=1, le=3650)
    keep_answers_per_week: float = param(0.1, "answers/week", "Activity a member needs at a review to stay in the programme (a title is kept while it is used)", ge=0, le=1000)
    perk_motivation: float = param(0.3, "logit", "Motivation from perks and status (early access, own forum)", ge=0, le=20)
    perk_churn_factor: float = param(0.3, "x", "Multiplier on a programme member's churn hazard", ge=0, le=10)
    staff_access_boost: float = param(0.2, "expertise", "Expertise added on hard threads by direct access to staff", ge=0, le=1)
    hard_difficulty: float = param(0.6, "0-1", "Difficulty above which a thread counts as hard", ge=0, le=1)
    staff_access_minutes: float = param(10.0, "minutes", "Staff time spent per staff-assisted answer", ge=0, le=1440)
    cost_per_member_month: float = param(100.0, "currency", "Perks per programme member per month [assumption]", ge=0, le=1e6)


class Pay(Section):
    enabled: bool = param(False, "-", "Pay members per accepted answer")
    per_accepted: float = param(1.0, "currency", "Payment per accepted answer", ge=0, le=1e6)
    value_per_currency: float = param(0.25, "logit", "Value of answering per unit of payment, before reward sensitivity", ge=0, le=100)
    intrinsic_crowding_out: float = param(0.6, "logit", "Intrinsic motivation a member loses once paid [Gneezy & Rustichini 2000]", ge=0, le=20)


class Rewards(Section):
    sensitivity_strong_share: float = param(0.20, "fraction", "Members strongly steered by rewards [Hoernle et al. 2020]", ge=0, le=1)
    sensitivity_unaffected_share: float = param(0.45, "fraction", "Members unaffected by rewards [Hoernle et al. 2020: over 40%]", ge=0, le=1)
    sensitivity_strong: float = param(2.0, "x", "Reward sensitivity of the strongly steered", ge=0, le=100)
    sensitivity_moderate: float = param(0.5, "x", "Reward sensitivity of everyone else", ge=0, le=100)
    points: Points = Field(default_factory=Points)
    badges: Badges = Field(default_factory=Badges)
    leaderboard: Leaderboard = Field(default_factory=Leaderboard)
    programme: Programme = Field(default_factory=Programme)
    pay: Pay = Field(default_factory=Pay)

    @model_validator(mode="after")
    def _shares_fit(self) -> Rewards:
        total = self.sensitivity_strong_share + self.sensitivity_unaffected_share
        if total > 1 + 1e-9:
            raise ValueError(f"sensitivity_strong_share + sensitivity_unaffected_share cannot exceed 1 (got {total:g})")
        return self


class ForumPolicy(Section):
    CAPACITIES = (("staff_hours_per_day", "staff_hours_per_1000_members"),)

    kind: Literal["none", "immediate", "sla", "community_first", "triage"] = param("none", "-", "How staff answer forum questions")
    staff_hours_per_day: float | None = param(None, "hours/day", "Staff answering capacity, absolute (paid whenever kind is not none and the forum is open)", ge=0, le=1e6)
    staff_hours_per_1000_members: float | None = param(0.8, "hours/day per 1,000 members", "Staff answering capacity per size (paid whenever kind is not none and the forum is open) [assumption: one person full-time at 10,000 members]", ge=0, le=1e6)
    minutes_per_answer: float = param(15.0, "minutes", "Staff time per forum answer [assumption]", gt=0, le=1440)
    staff_expertise: float = param(0.85, "0-1", "Expertise of staff answers", ge=0, le=1)
    sla_hours: float = param(24.0, "hours", "sla: staff answer what is still unanswered after this long", ge=0, le=10000)
    community_first_hours: float = param(72.0, "hours", "community_first: staff wait this long, then take the hardest first", ge=0, le=10000)
    triage_difficulty: float = param(0.6, "0-1", "triage: staff take only questions at least this difficult", ge=0, le=1)


class SocialPolicy(Section):
    CAPACITIES = (("team_hours_per_day", "team_hours_per_1000_members"),)

    kind: Literal["ignore", "respond_all", "loudest_first", "dialog"] = param("ignore", "-", "How the company answers public complaints")
    team_hours_per_day: float | None = param(None, "hours/day", "Social team capacity, absolute (paid whenever kind is not ignore)", ge=0, le=1e6)
    team_hours_per_1000_members: float | None = param(0.8, "hours/day per 1,000 members", "Social team capacity per size (paid whenever kind is not ignore) [assumption: one person full-time at 10,000 members]", ge=0, le=1e6)
    minutes_per_reply: float = param(10.0, "minutes", "Team time per complaint served [assumption]", gt=0, le=1440)
    latency_hours: float = param(1.0, "hours", "Time before the team sees a complaint", ge=0, le=10000)
    resolution: float = param(0.8, "probability", "Chance that serving a complaint resolves the issue; otherwise the customer calls", ge=0, le=1)
    private_hours: float = param(6.0, "hours", "dialog: extra time to resolve in private after the public reply", ge=0, le=10000)


class Policy(Section):
    forum: ForumPolicy = Field(default_factory=ForumPolicy)
    social: SocialPolicy = Field(default_factory=SocialPolicy)


class ContactCentre(Section):
    """The contact centre as a staffed queue (sim/rules/contact_centre.py): agents on shift,
    handle times, callers who hang up when their patience runs out (Erlang-A behaviour)."""

    CAPACITIES = (("agents", "agents_per_1000_members"),)

    agents: float | None = param(None, "agents", "Agents on shift in each open hour, absolute; a fraction alternates (1.5 = 1 and 2 by turns)", ge=0, le=1e6)
    agents_per_1000_members: float | None = param(0.19, "agents per 1,000 members", "Agents on shift in each open hour, per size; at least one while open [calibrated: abandonment, Khoros 2020]", ge=0, le=1e4)
    open_hour: int = param(0, "hour", "Hour of the day the first shift starts", ge=0, le=23)
    close_hour: int = param(24, "hour", "Hour of the day the last shift ends (24 = midnight)", ge=1, le=24)
    handle_minutes: float = param(6.0, "minutes", "Mean handle time of a call, exponential [assumption: range 4-10]", gt=0, le=1440)
    patience_minutes: float = param(3.0, "minutes", "Mean time a caller waits before hanging up, exponential [assumption: range 1-10]", gt=0, le=1e5)
    service_target_seconds: float = param(20.0, "seconds", "A call answered within this counts toward the service level [industry 80/20 convention]", ge=0, le=86400)
    first_contact_resolution: float = param(0.85, "probability", "Chance an answered call resolves the issue; otherwise the customer calls again [assumption]", ge=0, le=1)
    repeat_hours: float = param(24.0, "hours", "Mean time before an unresolved caller calls again, exponential [assumption]", gt=0, le=1e4)
    retry_share: float = param(0.5, "fraction", "Share of callers who hang up and call again later [assumption]", ge=0, le=1)
    retry_hours: float = param(2.0, "hours", "Mean time before they call again, exponential [assumption]", gt=0, le=1e4)
    complain_share: float = param(0.1, "fraction", "Share of callers who hang up and complain in public instead [assumption]", ge=0, le=1)
    max_attempts: int = param(3, "calls", "Calls about one issue before a customer gives up unresolved", ge=1, le=100)

    @model_validator(mode="after")
    def _shares_fit(self) -> ContactCentre:
        if self.retry_share + self.complain_share > 1 + 1e-9:
            raise ValueError(f"retry_share + complain_share cannot exceed 1 (got {self.retry_share + self.complain_share:g})")
        if self.close_hour <= self.open_hour:
            raise ValueError(f"close_hour ({self.close_hour}) must be after open_hour ({self.open_hour})")
        return self


class Launch(Section):
    CAPACITIES = (("articles", "articles_per_1000_members"),)

    day: int = param(30, "day", "Day of the product launch", ge=0, le=36500)
    new_topics: int = param(20, "topics", "Topics the new product adds", ge=1, le=100_000)
    lasting_share: float = param(0.1, "fraction", "Issues about the new topics relative to the old ones, for good", ge=0, le=100)
    surge: float = param(1.0, "x", "Extra issues at launch, as a multiple of the normal rate, all on the new topics", ge=0, le=1000)
    surge_decay_days: float = param(21.0, "days", "Mean life of the launch surge", gt=0, le=3650)
    articles: float | None = param(0.0, "articles", "Documentation shipped with the launch, spread over its topics, absolute", ge=0, le=1e8)
    articles_per_1000_members: float | None = param(None, "articles per 1,000 members", "Documentation shipped with the launch, per size (as the coverage stock scales)", ge=0, le=1e8)


class Sweep(Section):
    """The experiment run over the scenario (not part of the model): a design over the
    parameters named by their dotted keys, each a list of levels or a {low, high} range."""

    design: Literal["grid", "lhs", "sobol", "morris"] = param("grid", "-", "grid: every combination of levels; lhs: Latin hypercube; sobol: scrambled Sobol points; morris: Morris trajectories")
    replicates: int = param(10, "runs", "Runs at each design point, each on its own seed (the same seeds at every point)", ge=1, le=100_000)
    samples: int = param(16, "points", "Design points for lhs and sobol (a power of two), trajectories for morris, base samples for Sobol indices", ge=1, le=1_000_000)
    morris_levels: int = param(4, "levels", "Grid levels of the Morris design", ge=2, le=100)
    parameters: dict[str, Any] = Field(default_factory=dict, description="Swept parameters: dotted key = [levels] or {low, high[, steps]}")

    @field_validator("parameters", mode="before")
    @classmethod
    def _parameter_specs(cls, specs: Any) -> dict[str, Any]:
        if not isinstance(specs, dict):
            raise ValueError(f"expected a table of dotted keys (got {specs!r})")
        for key, spec in specs.items():
            problem = sweep_spec_problem(key, spec)
            if problem:
                raise ValueError(f"'{key}': {problem}")
        return specs

    @model_validator(mode="after")
    def _sobol_needs_power_of_two(self) -> Sweep:
        if self.design == "sobol" and self.samples & (self.samples - 1):
            raise ValueError(f"samples must be a power of two for the sobol design (got {self.samples})")
        return self


def sweep_spec_problem(key: str, spec: Any) -> str | None:
    """What is wrong with one swept parameter's levels or range, in plain words (None if fine)."""
    if key == "scenario.seed" or key.startswith("sweep."):
        return "cannot be swept (run seeds come from the scenario seed; the sweep is not a parameter)"
    field = field_at(key)
    if field is None:
        return "unknown parameter" + _did_you_mean(key)
    if isinstance(spec, list):
        if any(isinstance(v, float) and not math.isfinite(v) for v in spec):
            return f"levels must be finite numbers (got {spec})"
        return "needs at least one level" if not spec else None
    if not isinstance(spec, dict):
        return "expected a list of levels or a {low, high} range"
    if set(spec) - {"low", "high", "steps"} or not {"low", "high"} <= set(spec):
        return f"a range has keys low, high and optionally steps (got {', '.join(spec)})"
    low, high, steps = spec["low"], spec["high"], spec.get("steps", 2)
    if not all(isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) for v in (low, high)):
        return "low and high must be finite numbers"
    if field.annotation not in (int, float):
        return "a range needs a numeric parameter; give a list of levels instead"
    if low > high:
        return f"low ({low}) exceeds high ({high})"
    if not isinstance(steps, int) or isinstance(steps, bool) or steps < 2:
        return f"steps must be a whole number of at least 2 (got {steps!r})"
    return None


def field_at(dotted: str):
    """The schema field a dotted key names (a number indexes [[launches]]), or None."""
    model: Any = Scenario
    field = None
    for part in dotted.split("."):
        if part.isdigit() and field is not None and getattr(field.annotation, "__origin__", None) is list:
            model = field.annotation.__args__[0]
            continue
        if not (isinstance(model, type) and issubclass(model, BaseModel)) or part not in model.model_fields:
            return None
        field = model.model_fields[part]
        model = field.annotation
    return field if field is not None and not (isinstance(model, type) and issubclass(model, BaseModel)) else None


def _leaf_paths(model: type[BaseModel], prefix: str = "") -> list[str]:
    paths = []
    for name, field in model.model_fields.items():
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            paths += _leaf_paths(field.annotation, f"{prefix}{name}.")
        else:
            paths.append(prefix + name)
    return paths


def _did_you_mean(dotted: str) -> str:
    known = [path for path in _leaf_paths(Scenario) if not path.startswith(("sweep.", "scenario."))]
    close = difflib.get_close_matches(dotted, known, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


class Scenario(Section):
    scenario: ScenarioInfo = Field(default_factory=ScenarioInfo)
    population: Population = Field(default_factory=Population)
    behaviour: Behaviour = Field(default_factory=Behaviour)
    rewards: Rewards = Field(default_factory=Rewards)
    policy: Policy = Field(default_factory=Policy)
    contact_centre: ContactCentre = Field(default_factory=ContactCentre)
    costs: Costs = Field(default_factory=Costs)
    launches: list[Launch] = Field(default_factory=list, description="Product launches ([[launches]] tables)")
    sweep: Sweep = Field(default_factory=Sweep)
