"""Pydantic models of cardgen's cards, evaluations and provenance.

The public schema surface; JSON Schemas in schemas/ are exported from these classes.
"""

from ._base import SCHEMA_VERSION, CardModel
from .common import ExtraSection
from .data_card import DataCard, HubDatasetMetadata
from .evaluation import (
    DatasetReference,
    DisaggregatedEvaluation,
    Disparity,
    EvaluationRecord,
    GroupResult,
    Inference,
    InsufficientEvidence,
    MetricValue,
    ThresholdTest,
)
from .files import FileDigest, ModelFiles
from .governance_card import GovernanceCard
from .model_card import HubModelMetadata, ModelCard
from .provenance import Provenance
from .sources import DataSources, EvaluateSource, HubSource, ModelSources
from .verification import ClaimCheck, MeasurementRun, Verification

Card = ModelCard | DataCard | GovernanceCard

__all__ = [
    "SCHEMA_VERSION",
    "Card",
    "CardModel",
    "ClaimCheck",
    "DataCard",
    "DataSources",
    "DatasetReference",
    "DisaggregatedEvaluation",
    "Disparity",
    "EvaluateSource",
    "EvaluationRecord",
    "ExtraSection",
    "FileDigest",
    "GovernanceCard",
    "GroupResult",
    "HubDatasetMetadata",
    "HubModelMetadata",
    "HubSource",
    "Inference",
    "InsufficientEvidence",
    "MeasurementRun",
    "MetricValue",
    "ModelCard",
    "ModelFiles",
    "ModelSources",
    "Provenance",
    "ThresholdTest",
    "Verification",
]
