"""The 10DLC sample messages in docs/compliance.md are ones the brand can register as they stand.

Carriers reject samples that do not name the brand or say how to opt out; a sample that is
not plain GSM-7 or runs past the brand's segment limit is not what the drafter sends.
"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from assistant.drafting.sms_segments import analyse

ROOT = Path(__file__).resolve().parent.parent
SAMPLES_SECTION = re.compile(r"\*Sample messages\*.*?(?=\n- \*Opt-in)", re.DOTALL)
FENCED = re.compile(r"```\n(.*?)```", re.DOTALL)


def _samples() -> list[str]:
    text = (ROOT / "docs" / "compliance.md").read_text(encoding="utf-8")
    section = SAMPLES_SECTION.search(text)
    assert section, "docs/compliance.md lost its sample messages"
    blocks = FENCED.findall(section.group(0))
    return [" ".join(line.strip() for line in block.strip().splitlines()) for block in blocks]


def test_every_playbook_has_a_sample_naming_the_brand_with_the_opt_out_notice() -> None:
    brand = yaml.safe_load((ROOT / "prompts" / "brand.yaml").read_text(encoding="utf-8"))
    samples = _samples()
    assert len(samples) == 4
    for sample in samples:
        assert brand["name"] in sample
        assert sample.endswith(brand["sms_opt_out_notice"])
        info = analyse(sample)
        assert info.encoding == "GSM-7", sample
        assert info.segments <= brand["sms_max_segments"], sample
