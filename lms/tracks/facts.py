"""The facts the skill tracks should have in the ledger, rebuilt from their tables (for `lms record rebuild --check`).

One current fact per source and kind: a skill_assessment per signed assessment, and a
skill_level per award, which is the revocation's fact once HR revoked it (that one
supersedes the achievement). Payloads come from the same functions the services write
them with (lms.tracks.service), so a difference means the ledger or a table changed.
"""

from __future__ import annotations

from collections.abc import Iterator

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from lms.extensions import db
from lms.models import FactKind, SkillAssessment, SkillLevelAward
from lms.tracks.service import assessment_payload, level_payload

BATCH = 500
# The kinds this module answers for, even while it yields none (so an unexpected one is still reported).
FACT_KINDS = (FactKind.SKILL_ASSESSMENT, FactKind.SKILL_LEVEL)


def expected_facts() -> Iterator[dict]:
    """Yield {"kind", "subject_id", "source", "occurred_at", "payload"} for every current skill-track fact."""
    assessments = (
        select(SkillAssessment)
        .options(selectinload(SkillAssessment.cell), selectinload(SkillAssessment.signed_by))
        .order_by(SkillAssessment.id)
        .execution_options(yield_per=BATCH)
    )
    for assessment in db.session.scalars(assessments):
        yield {
            "kind": FactKind.SKILL_ASSESSMENT.value,
            "subject_id": assessment.user_id,
            "source": f"skill_assessment:{assessment.id}",
            "occurred_at": assessment.signed_at,
            "payload": assessment_payload(assessment, assessment.cell, assessment.signed_by),
        }
    awards = (
        select(SkillLevelAward)
        .options(
            selectinload(SkillLevelAward.cell),
            selectinload(SkillLevelAward.revocation),
            selectinload(SkillLevelAward.assessment).selectinload(SkillAssessment.signed_by),
        )
        .order_by(SkillLevelAward.id)
        .execution_options(yield_per=BATCH)
    )
    for award in db.session.scalars(awards):
        revocation = award.revocation
        yield {
            "kind": FactKind.SKILL_LEVEL.value,
            "subject_id": award.user_id,
            "source": f"skill_level_award:{award.id}",
            "occurred_at": revocation.revoked_at if revocation else award.achieved_at,
            "payload": level_payload(award, award.cell, award.assessment, revocation),
        }
