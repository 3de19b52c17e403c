"""Product names as messages say them, and the phrase family of a category."""

from __future__ import annotations

import pytest

from assistant.drafting.product_names import category_family, short_product_name, size_detail


@pytest.mark.parametrize(
    ("name", "short"),
    [
        ("House Blend Whole Bean 250g", "House Blend Whole Bean"),
        ("Oat Milk 6-pack 1L", "Oat Milk"),
        ("Barista Oat Milk 1L 6-Pack", "Barista Oat Milk"),
        ("Paper Filters No. 4 (100)", "Paper Filters"),
        ("Single-Origin Sampler 4x100g", "Single-Origin Sampler"),
        ("Enamel Dutch Oven 4.7L", "Enamel Dutch Oven"),
        ("Chef's Knife 20cm", "Chef's Knife"),
        ("Stoneware Mug Set of 4", "Stoneware Mug"),
        ("Craft Instant Coffee 10-Pack", "Craft Instant Coffee"),
        ("Travel Mug 12 oz", "Travel Mug"),
        ("Heavyweight Hoodie - XL", "Heavyweight Hoodie"),
        ("Merino Tee Size M", "Merino Tee"),
        ("Vitamin C Serum 30 ml", "Vitamin C Serum"),
        # Nothing to drop: the name as it is, spaces tidied.
        ("Conical Burr Grinder  Pro", "Conical Burr Grinder Pro"),
        ("Kenya AA Nyeri", "Kenya AA Nyeri"),
        # A name that is only a size is kept rather than emptied.
        ("250g", "250g"),
    ],
)
def test_short_names_drop_sizes_weights_volumes_and_pack_counts(name: str, short: str) -> None:
    assert short_product_name(name) == short


def test_a_short_name_is_words_of_the_name_in_order() -> None:
    # So the guardrails, which know the full name, know the short one too.
    for name in ("House Blend Whole Bean 250g", "Oat Milk 6-pack 1L", "Cold Brew Jar 1.5L"):
        assert short_product_name(name) in name


@pytest.mark.parametrize(
    ("name", "size"),
    [("Swiss Water Decaf 1kg", "1kg"), ("Cold Brew Jar 1.5L", "1.5L"), ("Blade Grinder", None)],
)
def test_size_detail(name: str, size: str | None) -> None:
    assert size_detail(name) == size


@pytest.mark.parametrize(
    ("category", "family"),
    [
        ("consumables", "consumable"),
        ("Cleaning supplies", "consumable"),
        ("Coffee", "food"),
        ("Food & Drink", "food"),
        ("Teas", "food"),
        ("apparel", "apparel"),
        ("Clothing", "apparel"),
        ("Footwear", "apparel"),
        ("equipment", "gear"),
        ("Electronics", "gear"),
        ("Home goods", "gear"),
        ("kitchen", "gear"),
        ("Skincare", "beauty"),
        ("Beauty", "beauty"),
        ("Outerwear", "apparel"),
        ("Personal care", "beauty"),
        ("Gift cards", "general"),
        ("Steamers", "general"),  # a word that merely contains "tea" is not tea
        ("", "general"),
        (None, "general"),
    ],
)
def test_categories_map_to_phrase_families(category: str | None, family: str) -> None:
    assert category_family(category) == family
