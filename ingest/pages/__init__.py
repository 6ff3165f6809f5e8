"""Parser for trial pages republished from ClinicalTrials.gov by other sites.

See docs/ARCHITECTURE.md ("Page parsing", "The page record", "Criteria") for the contract.
"""

from ingest.pages.detect import LAYOUTS, detect_layout
from ingest.pages.parse import parse_page
from ingest.pages.splitter import split_criteria
from ingest.pages.text import html_to_text

__all__ = ["LAYOUTS", "detect_layout", "html_to_text", "parse_page", "split_criteria"]
