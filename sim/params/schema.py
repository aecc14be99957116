"""The typed scenario: every model parameter, its default, unit, valid range and meaning.

Defaults cite their source in the description's last bracket; docs/MODEL.md explains each.
"""

from __future__ import annotations

import difflib
import math
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from sim.params.loops import Burnout, Customers, Product
from sim.params.rewards import Rewards
from sim.params.section import DATA_CONFIG, Section, param

__all__ = ["DATA_CONFIG", "Section", "param", "Scenario", "Rewards", "field_at", "sweep_spec_problem"]


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
    online_hours_median: float = param(0.155, "hours/week", "Median hours a week a member would spend browsing to answer [calibrated: fitted to the baseline's calibration facts, MODEL.md §5.2]", ge=0, le=168)
    superuser_online_boost: float = param(1.5, "x", "Super-user status multiplies browsing time (commitment to the role)", ge=0, le=100)
    online_hours_max: float = param(56.0, "hours/week", "Most hours a week anyone spends browsing to answer [seed 000: a Verizon super-user posts eight hours a day]", gt=0, le=168)
    online_sigma: float = param(0.94, "-", "Log-normal spread of individual online propensity; the initial roles are its top 1% and next 9% [calibrated: fitted to the baseline's calibration facts, MODEL.md §5.2]", ge=0, le=5)
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
    utility_give_up: float = param(-2.0, "utils", "Utility of giving up on an issue whose forum question went unanswered, against calling or complaining in public [assumption]", ge=-20, le=20)
    experience_learning_rate: float = param(0.3, "-", "EWMA weight of the latest experience with a channel", ge=0, le=1)
    # forum answering
    browse_limit: int = param(5, "threads", "Threads an online member looks at per visit, b [DESIGN.md]", ge=1, le=1000)
    answered_browse_weight: float = param(0.3, "-", "Relative chance of looking at a thread that already has answers (unanswered first)", ge=0, le=1)
    browse_age_half_life_hours: float = param(24.0, "hours", "Older threads sink down the list: browse weight halves with each half-life of age", gt=0, le=1e5)
    answer_capacity_per_hour: int = param(2, "answers", "Most answers a member writes in one hour", ge=1, le=100)
    writing_minutes: float = param(8.0, "minutes", "Mean time to write an answer", gt=0, le=1440)
    bias_responder: float = param(-4.45, "logit", "Baseline propensity of a responder to answer a thread it sees [calibrated: fitted to the baseline's calibration facts, MODEL.md §5.2]", ge=-20, le=20)
    bias_superuser: float = param(-4.32, "logit", "Baseline propensity of a super-user to answer [calibrated: fitted to the baseline's calibration facts, MODEL.md §5.2]", ge=-20, le=20)
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
    kudos_rank_weight: float = param(0.3, "-", "Kudos steer what searchers find: a solved thread's chance to be the one found grows as (1 + its answer's kudos) to this power; 0 ranks by recency alone [calibrated: Muchnik, Aral & Taylor 2013]", ge=0, le=10)
    kudos_acceptance_weight: float = param(0.05, "quality", "Kudos steer what askers accept: an answer looks better to its asker by this much per log(1 + kudos) from others, and an asker looks again when an answer gains kudos [calibrated: Muchnik, Aral & Taylor 2013]", ge=0, le=10)
    recognition_per_kudo: float = param(0.02, "-", "Recognition of an answer's author per kudo it receives [assumption]", ge=0, le=10)
    # roles and churn
    reciprocity: float = param(0.2, "probability", "Chance a reader whose question was solved becomes a responder", ge=0, le=1)
    activity_half_life_days: float = param(28.0, "days", "Half-life of the activity record used for promotion", gt=0, le=3650)
    promote_answers_per_week: float = param(1.09, "answers/week", "Sustained activity that makes a responder a super-user [calibrated: fitted to the baseline's calibration facts, MODEL.md §5.2]", ge=0, le=1000)
    promote_recognition: float = param(0.96, "-", "Recognition needed besides activity for promotion [calibrated: fitted to the baseline's calibration facts, MODEL.md §5.2]", ge=0, le=100)
    demote_answers_per_week: float = param(0.072, "answers/week", "Activity below which a super-user returns to responder [calibrated: fitted to the baseline's calibration facts, MODEL.md §5.2]", ge=0, le=1000)
    churn_rate_per_year: float = param(0.15, "1/year", "Yearly churn hazard of a wholly satisfied member, which every member is until its service disappoints [assumption]", ge=0, le=50)
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
    customer_value_per_year: float = param(300.0, "currency/year", "Revenue a customer brings a year: the price of a customer lost to service [assumption: range 50-2000]", ge=0, le=1e9)
    currency: str = param("$", "-", "Symbol of the scenario currency, shown before amounts in reports and comparisons")


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
    peer_reply_per_hour: float = param(0.0, "1/hour", "Members who answer public complaints: an open complaint gets a member's public reply within an hour with chance 1 - exp(-this); 0 keeps the community off social media [lever; the 004 seed's community-supported Caltrain feed]", ge=0, le=100)
    peer_resolution: float = param(0.5, "probability", "Chance that a member's public reply resolves the complainer's issue (members lack account access); otherwise the customer calls [assumption]", ge=0, le=1)


class Policy(Section):
    forum: ForumPolicy = Field(default_factory=ForumPolicy)
    social: SocialPolicy = Field(default_factory=SocialPolicy)


class ContactCentre(Section):
    """The contact centre as a staffed queue (sim/rules/contact_centre.py): agents on shift,
    handle times, callers who hang up when their patience runs out (Erlang-A behaviour)."""

    CAPACITIES = (("agents", "agents_per_1000_members"),)

    agents: float | None = param(None, "agents", "Agents on shift in each open hour, absolute; a fraction alternates (1.5 = 1 and 2 by turns)", ge=0, le=1e6)
    agents_per_1000_members: float | None = param(0.03, "agents per 1,000 members", "Agents on shift in each open hour, per size: the part that follows the load [about the baseline's calls: 0.3 Erlangs at 10,000 members]", ge=0, le=1e4)
    safety_agents_per_sqrt_1000_members: float = param(0.5, "agents per sqrt(members/1,000)", "With agents_per_1000_members, safety staffing that grows with the square root of size, so service holds at any size [square-root staffing, Halfin & Whitt 1981; calibrated: abandonment, Khoros 2020]", ge=0, le=1e4)
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

    def capacity(self, absolute: str, members: int) -> float:
        """Agents on shift: the absolute number, or the per-size load-following part plus its
        square-root safety staffing (the staffing rule that keeps a queue's service as it grows)."""
        if absolute == "agents" and self.agents is None:
            size = members / 1000.0
            return float(self.agents_per_1000_members * size + self.safety_agents_per_sqrt_1000_members * size ** 0.5)
        return super().capacity(absolute, members)

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
    levers: dict[str, Any] = Field(default_factory=dict, description="Levers: what the company chooses (policies, rewards, staffing), in the same form; written as a top-level [levers] table")
    uncertainties: dict[str, Any] = Field(default_factory=dict, description="Uncertainties: states of the world it does not choose (demand, behaviour), in the same form; written as a top-level [uncertainties] table")
    states: int = param(8, "points", "States of the world drawn over [uncertainties] (Latin hypercube) when a sweep crosses levers with uncertainties, or optimize --robust weighs a policy", ge=1, le=100_000)

    @field_validator("parameters", "levers", "uncertainties", mode="before")
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

    @model_validator(mode="after")
    def _each_key_has_one_role(self) -> Sweep:
        """A parameter is either chosen (a lever) or not (an uncertainty), and a sweep runs
        either its own [sweep.parameters] or the declared levers and uncertainties."""
        both = sorted(set(self.levers) & set(self.uncertainties))
        if both:
            raise ValueError(f"'{both[0]}' is both a lever and an uncertainty; declare it once")
        if self.parameters and (self.levers or self.uncertainties):
            raise ValueError("give either [sweep.parameters] or [levers]/[uncertainties], not both: a sweep "
                             "crosses the declared levers with the uncertainties")
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
    if field.annotation not in (int, float, int | None, float | None):
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
    product: Product = Field(default_factory=Product)
    customers: Customers = Field(default_factory=Customers)
    burnout: Burnout = Field(default_factory=Burnout)
    launches: list[Launch] = Field(default_factory=list, description="Product launches ([[launches]] tables)")
    sweep: Sweep = Field(default_factory=Sweep)

    @model_validator(mode="before")
    @classmethod
    def _declarations_in_sweep(cls, data: Any) -> Any:
        """[levers] and [uncertainties] are written at the top of a file, as EMA Workbench
        declares them, but kept with the [sweep]: like it, they describe experiments over the
        model, and change no run."""
        if not isinstance(data, dict) or not {"levers", "uncertainties"} & set(data):
            return data
        data, sweep = dict(data), data.get("sweep", {})
        if not isinstance(sweep, dict):
            return data  # the sweep's own validation names the problem
        sweep = dict(sweep)
        for name in ("levers", "uncertainties"):
            if name in data:
                if name in sweep:
                    raise ValueError(f"[{name}] is given twice, at the top and as [sweep.{name}]; keep one")
                sweep[name] = data.pop(name)
        return {**data, "sweep": sweep}
