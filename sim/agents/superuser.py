"""The SuperUser role."""

from sim.agents.member import Member
from sim.state.population import SUPERUSER


class SuperUser(Member):
    """Answers much of everything; its kudos are seen by all."""

    role_code = SUPERUSER
