"""The Responder role."""

from sim.agents.member import Member
from sim.state.population import RESPONDER


class Responder(Member):
    """Answers questions now and then; may rise to super-user."""

    role_code = RESPONDER
