"""Every model module is imported here so Alembic's autogenerate sees all tables."""

from lms.models.audit import AUDIT_ACTION_LABELS, AuditAction, AuditEntry  # noqa: F401,E402
from lms.models.cases import CaseRating, CaseReview, CaseSearchEntry, CaseStatus, CaseVersion, SharingSession  # noqa: F401,E402
from lms.models.certificates import Certificate, CertificateRevocation  # noqa: F401,E402
from lms.models.courses import Lesson, LessonProgress  # noqa: F401,E402
from lms.models.exams import (  # noqa: F401,E402
    Appeal,
    AppealDecision,
    AppealOutcome,
    AttemptQuestion,
    AttemptResult,
    AttemptStatus,
    Exam,
    ExamAdjustment,
    ExamAttempt,
    ExamItemCell,
    ExamItemTally,
    ExamKind,
    ExamOptionTally,
    ExamScoreCell,
    FinishReason,
)
from lms.models.incentives import (  # noqa: F401,E402
    EligibilityConfirmation,
    EligibilityConfirmationPerson,
    IncentiveRuleText,
    RecordView,
)
from lms.models.onboarding import OnboardingReminder  # noqa: F401,E402
from lms.models.operations import BackupRecord, JobLease, JobRun  # noqa: F401,E402
from lms.models.performance import (  # noqa: F401,E402
    AWARD_KIND_LABELS,
    SUGGESTION_STATUS_LABELS,
    Award,
    AwardKind,
    GradeAppeal,
    GradeAppealOutcome,
    GradeImport,
    ImprovementPlan,
    PerformanceGrade,
    PerformanceReview,
    Suggestion,
    SuggestionStatus,
)
from lms.models.question_bank import Question, QuestionBank, QuestionChoice  # noqa: F401,E402
from lms.models.record import FACT_KIND_LABELS, FactKind, RecordCheckpoint, RecordEntry  # noqa: F401,E402
from lms.models.tracks import (  # noqa: F401,E402
    RequestStatus,
    SkillAssessment,
    SkillAssessmentRequest,
    SkillCell,
    SkillLevelAward,
    SkillLevelRevocation,
)
from lms.models.users import (  # noqa: F401
    ROLE_LABELS,
    ROLES,
    PasswordReset,
    User,
    UserRole,
    UserSession,
    utcnow,
)
