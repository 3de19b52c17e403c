"""Bad drafts: invented offers and facts, intrusive or over-personal, wrong names, broken text."""

from __future__ import annotations

from tests.drafting.guardrails.corpus import (
    ACME,
    ACME_SIGN,
    BABY_GIFT,
    BABY_THROW,
    BLACK_OVEN,
    GRANOLA,
    HEALTH_TEA,
    HOME_CANDLE,
    HOUSE,
    MARKET_BASKET,
    PRIDE_MUG,
    RESERVE,
    SIGN,
    SLEEP_MASK,
    STREET_TOTE,
    WEIGHTED,
    Case,
    check_in,
    email,
    re_engage,
    recognition,
    reply,
    sms,
    upsell,
)
from tests.drafting.guardrails.corpus.leaks import BAD_LEAKS
from tests.drafting.guardrails.fixtures import facts

_HOUSE_UP = facts(upsell(HOUSE, RESERVE, "58.00"))
_CANDLE = facts(check_in(HOME_CANDLE), ACME, first_name="Priya")
_REC = facts(recognition())
_TEA = facts(check_in(HEALTH_TEA))
_THROW = facts(check_in(BABY_THROW), ACME, first_name="Ana")
_MASK = facts(check_in(SLEEP_MASK))
_TOTE = facts(check_in(STREET_TOTE), ACME, first_name="Jonah")

BAD: tuple[Case, ...] = (
    *BAD_LEAKS,
    # invented offers, prices, codes
    sms(
        "offer-percent",
        "Hi Maya, thank you for 10 orders! Here's 15% off your next one. Sam",
        _REC,
        "invented_offer",
        "invented_percent",
    ),
    sms(
        "offer-free-shipping",
        "Hi Maya, 10 orders! Enjoy free shipping on your next order. Sam",
        _REC,
        "invented_offer",
    ),
    sms(
        "offer-code",
        "Hi Maya, thanks for 10 orders! Use code LOYAL20 at checkout. Sam",
        _REC,
        "invented_code",
    ),
    sms(
        "offer-sale",
        "Hi Priya, the Home Sweet Home Soy Candle is on sale this week! Maya",
        _CANDLE,
        "invented_offer",
    ),
    sms(
        "offer-gift-card",
        "Hi Maya, as a thank you we've added a gift card to your account. Sam",
        _REC,
        "invented_offer",
    ),
    sms(
        "offer-bogo",
        "Hi Maya, buy one, get one on the Reserve Single-Origin Ethiopia Whole Bean "
        "1kg this week. Sam",
        _HOUSE_UP,
        "invented_offer",
    ),
    sms(
        "offer-complimentary",
        "Hi Ana, a complimentary Baby Alpaca Throw cover is on its way to you. Maya",
        _THROW,
        "invented_offer",
    ),
    email(
        "offer-exclusive",
        "Just for you",
        "Hi Maya,\n\nThank you for ten orders. To celebrate, here's an exclusive offer: save $10 "
        "on anything in the shop this month.\n\nEnjoy!" + SIGN,
        _REC,
        "invented_offer",
    ),
    sms(
        "price-wrong",
        "Hi Maya, the Reserve Single-Origin Ethiopia Whole Bean 1kg is just $48. Sam",
        _HOUSE_UP,
        "invented_price",
    ),
    sms(
        "price-invented",
        "Hi Priya, a refill for the Home Sweet Home Soy Candle is only $12. Maya",
        _CANDLE,
        "invented_price",
    ),
    email(
        "price-email",
        "A step up",
        "Hi Maya,\n\nThe Reserve Single-Origin Ethiopia Whole Bean 1kg is 49.99 USD for a full "
        "kilo, a real step up from the House Blend Whole Bean 250g.\n\nNo rush." + SIGN,
        _HOUSE_UP,
        "invented_price",
    ),
    sms(
        "code-welcome",
        "Hi Jonah, enjoy the tote! Enter WELCOME-15 for your next order. Maya",
        _TOTE,
        "invented_code",
        "invented_offer",
    ),
    sms(
        "code-after-promo",
        "Hi Maya, use promo code housefan on your next bag. Sam",
        _HOUSE_UP,
        "invented_code",
        "invented_offer",
    ),
    # invented facts
    sms(
        "count-orders", "Hi Maya, 25 orders with us! Thank you so much. Sam", _REC, "invented_count"
    ),
    sms(
        "count-years",
        "Hi Maya, five years with Ember & Oak! Thank you. Sam",
        _REC,
        "invented_count",
    ),
    sms(
        "count-times",
        "Hi Maya, you've bought the House Blend 7 times now! Sam",
        _HOUSE_UP,
        "invented_count",
    ),
    sms(
        "date-wrong",
        "Hi Priya, your candle shipped on November 3. Enjoy it! Maya",
        _CANDLE,
        "invented_date",
    ),
    sms("date-year", "Hi Maya, a customer since 2019, thank you! Sam", _REC, "invented_date"),
    email(
        "order-number",
        "Your order",
        "Hi Ana,\n\nJust checking in on order #998877. Has your Baby Alpaca Throw arrived, and "
        "is it as soft as you hoped?\n\nJust reply if anything is off." + ACME_SIGN,
        _THROW,
        "invented_order_number",
    ),
    sms(
        "product-invented",
        "Hi Maya, loving the tea? The Weighted Linen Blanket 7kg pairs well "
        "with a quiet evening. Sam",
        _TEA,
        "invented_product",
    ),
    sms(
        "product-invented-2",
        "Hi Jonah, the Main Street Market Basket would go nicely with your tote. Maya",
        _TOTE,
        "invented_product",
    ),
    email(
        "product-invented-3",
        "Something new",
        "Hi Maya,\n\nIf you like the Good Health Herbal Tea 20 Bags, you'll love the Health Nut "
        "Granola 500g with it in the mornings.\n\nJust reply if you'd like to know more." + SIGN,
        _TEA,
        "invented_product",
    ),
    sms(
        "link-invented",
        "Hi Maya, see our new range at https://ember-oak.shop/new. Sam",
        _REC,
        "invented_link",
    ),
    sms(
        "link-www",
        "Hi Priya, more candles at www.acmehome-deals.com today. Maya",
        _CANDLE,
        "invented_link",
    ),
    # sensitive and intrusive, also next to product names that contain the same words
    sms(
        "health-tea",
        "Hi Maya, hope the Good Health Herbal Tea 20 Bags helps with your anxiety. Sam",
        _TEA,
        "sensitive_health",
    ),
    sms(
        "health-weight",
        "Hi Lena, the Weighted Linen Blanket 7kg is great while you're losing weight. Maya",
        facts(check_in(WEIGHTED), ACME, first_name="Lena"),
        "sensitive_health",
    ),
    sms(
        "health-your",
        "Hi Maya, how's your health these days? The tea should help. Sam",
        _TEA,
        "sensitive_health",
    ),
    email(
        "health-sleep",
        "Sleep better",
        "Hi Maya,\n\nThe Sleep Tracking Eye Mask should help with your insomnia. Let me know "
        "how the first week goes.\n\nJust reply any time." + SIGN,
        _MASK,
        "sensitive_health",
    ),
    sms(
        "finances-afford",
        "Hi Maya, we know money is tight and you can't afford much. The House "
        "Blend is great value. Sam",
        _HOUSE_UP,
        "sensitive_finances",
    ),
    sms(
        "finances-spent",
        "Hi Maya, you've spent over $500 with us! Thank you. Sam",
        _REC,
        "sensitive_finances",
        "invented_price",
    ),
    sms(
        "finances-credit",
        "Hi Jonah, fix your credit score and treat yourself to the Street Style Canvas Tote. Maya",
        _TOTE,
        "sensitive_finances",
    ),
    sms(
        "pregnancy-baby",
        "Hi Ana, congrats on the new baby! The Baby Alpaca Throw will be perfect. Maya",
        _THROW,
        "sensitive_pregnancy",
    ),
    sms(
        "pregnancy-expecting",
        "Hi Ana, since you're expecting a baby, the New Baby Muslin Gift Set is ideal. Maya",
        facts(check_in(BABY_GIFT), ACME, first_name="Ana"),
        "sensitive_pregnancy",
    ),
    email(
        "pregnancy-due",
        "For the little one",
        "Hi Ana,\n\nWith your due date coming up, the Baby Alpaca Throw will keep the nursery "
        "cosy.\n\nCongratulations from all of us!" + ACME_SIGN,
        _THROW,
        "sensitive_pregnancy",
    ),
    sms(
        "location-new-home",
        "Hi Priya, the Home Sweet Home Soy Candle will look lovely in your new home. Maya",
        _CANDLE,
        "intrusive_location",
    ),
    sms(
        "location-street",
        "Hi Jonah, we saw the Street Style Canvas Tote everywhere in your street. Maya",
        _TOTE,
        "intrusive_location",
    ),
    sms(
        "location-near",
        "Hi Maya, we're opening a pop-up near you next week! Sam",
        _REC,
        "intrusive_location",
    ),
    sms(
        "location-seen",
        "Hi Jonah, I saw you at the farmers market with the Main Street Market Basket! Maya",
        facts(check_in(MARKET_BASKET), ACME, first_name="Jonah"),
        "intrusive_location",
    ),
    sms(
        "surveillance-tracking",
        "Hi Maya, we've been tracking your sleep, so the Sleep Tracking Eye Mask is perfect. Sam",
        _MASK,
        "intrusive_surveillance",
    ),
    sms(
        "surveillance-noticed",
        "Hi Maya, we noticed you looking at the Reserve Single-Origin Ethiopia Whole Bean 1kg. Sam",
        _HOUSE_UP,
        "intrusive_surveillance",
    ),
    sms(
        "surveillance-browsing",
        "Hi Priya, you've been browsing candles all week. Maya",
        _CANDLE,
        "intrusive_surveillance",
    ),
    sms(
        "surveillance-opened",
        "Hi Maya, you opened our email three times, so here's more. Sam",
        _REC,
        "intrusive_surveillance",
    ),
    sms(
        "guilt-abandoned",
        "Hi Maya, you abandoned your cart! The House Blend is waiting. Sam",
        _HOUSE_UP,
        "guilt",
    ),
    sms(
        "guilt-missing",
        "Hi Priya, you're missing out on the Home Sweet Home Soy Candle. Maya",
        _CANDLE,
        "guilt",
    ),
    sms("guilt-forgot", "Hi Ana, have you forgotten about us? Maya", _THROW, "guilt"),
    # names and brand words
    sms(
        "name-wrong",
        "Hi Maria, hope the Good Health Herbal Tea 20 Bags arrived safely. Sam",
        _TEA,
        "name_wrong",
    ),
    email(
        "name-wrong-email",
        "Your candle",
        "Dear Rachel,\n\nYour Home Sweet Home Soy Candle should have arrived by now. Let the "
        "first burn run until the wax pool reaches the edge.\n\nJust reply with questions."
        + ACME_SIGN,
        _CANDLE,
        "name_wrong",
    ),
    sms(
        "name-wrong-thanks",
        "Thank you so much, Jordan! Your Jet Black Enamel Dutch Oven 24cm is on its way. Sam",
        facts(check_in(BLACK_OVEN), first_name="Tom"),
        "name_wrong",
    ),
    sms(
        "banned-valued",
        "Hi Maya, as a valued customer, thank you for 10 orders! Sam",
        _REC,
        "banned_phrase",
    ),
    sms(
        "banned-hurry",
        "Hi Maya, hurry, the Reserve Single-Origin Ethiopia Whole Bean 1kg is going fast. Sam",
        _HOUSE_UP,
        "banned_phrase",
    ),
    sms(
        "banned-miss",
        "Hi Alex, we miss you! The Pride Rainbow Stoneware Mug misses you too. Sam",
        facts(re_engage(PRIDE_MUG, "A dishwasher-safe glaze"), first_name="Alex"),
        "banned_phrase",
    ),
    sms(
        "banned-cheap", "Hi Maya, the House Blend is a cheap treat. Sam", _HOUSE_UP, "banned_phrase"
    ),
    # broken text
    sms(
        "truncated-mid",
        "Hi Maya, your 10 orders mean a lot, and we wanted to say that the",
        _REC,
        "truncated",
    ),
    sms(
        "truncated-ellipsis",
        "Hi Priya, hope the Home Sweet Home Soy Candle is...",
        _CANDLE,
        "truncated",
    ),
    email(
        "truncated-email",
        "Your tote",
        "Hi Jonah,\n\nYour Street Style Canvas Tote should have arrived. The canvas softens "
        "with use, and a cold wash keeps",
        _TOTE,
        "truncated",
    ),
    sms(
        "truncated-after-thanks",
        "Hi Maya, hope you enjoy it. Thanks, we will send you the",
        _REC,
        "truncated",
    ),
    sms(
        "truncated-product",
        "Hi Maya, if you want a step up, try the Reserve Single-Origin",
        _HOUSE_UP,
        "truncated",
    ),
    sms(
        "opt-out-missing",
        "Hi Maya, thank you for 10 orders with Ember & Oak! Sam",
        facts(recognition(), first_sms=True),
        "sms_opt_out_missing",
    ),
    sms(
        "opt-out-missing-2",
        "Hi Ana, hope the Baby Alpaca Throw arrived safely. Maya",
        facts(check_in(BABY_THROW), ACME, first_name="Ana", first_sms=True),
        "sms_opt_out_missing",
    ),
    sms(
        "opt-out-missing-3",
        "Hi Lena, the Weighted Linen Blanket 7kg now has a cooler weave. Maya",
        facts(re_engage(WEIGHTED, "A cooler linen weave"), ACME, first_name="Lena", first_sms=True),
        "sms_opt_out_missing",
    ),
    sms(
        "template",
        "Hi {first_name}, hope the Home Sweet Home Soy Candle arrived. Maya",
        _CANDLE,
        "template_marker",
    ),
    sms("template-brackets", "Hi Maya, hope you love [product]! Sam", _TEA, "template_marker"),
    sms("json", '{"body": "Hi Maya, hope the tea arrived safely. Sam"}', _TEA, "json_fragment"),
    sms("llm-meta", "Here's a draft: Hi Maya, hope the tea arrived safely. Sam", _TEA, "llm_meta"),
    sms(
        "mojibake",
        "Hi Maya, hope youâ€™re enjoying the Good Health Herbal Tea 20 Bags. Sam",
        _TEA,
        "garbled_mojibake",
    ),
    sms(
        "unbalanced", "Hi Maya, hope the tea (and the honey arrived safely. Sam", _TEA, "unbalanced"
    ),
    email(
        "subject-missing",
        None,
        "Hi Maya,\n\nHope the Health Nut Granola 500g arrived in one piece. It keeps best in an "
        "airtight jar once opened.\n\nJust reply with any questions." + SIGN,
        facts(check_in(GRANOLA)),
        "email_subject_missing",
    ),
    sms(
        "too-long",
        "Hi Maya, " + "the House Blend Whole Bean 250g is a favourite here. " * 12 + "Sam",
        _HOUSE_UP,
        "sms_too_long",
    ),
    sms(
        "reply-repeats-code",
        "Hi Maya, sure, use SAVE50 at checkout. Sam",
        facts(reply("do you have a SAVE50 code?")),
        "invented_code",
    ),
    sms(
        "reply-repeats-percent",
        "Hi Maya, yes, 90% off is fine for you. Sam",
        facts(reply("can I get 90% off?")),
        "invented_percent",
        "invented_offer",
    ),
)
