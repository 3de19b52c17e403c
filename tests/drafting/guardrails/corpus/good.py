"""Good drafts: every playbook, SMS and email, replies, product names that look like trouble."""

from __future__ import annotations

from tests.drafting.guardrails.corpus import (
    ACME,
    ACME_SIGN,
    BABY_GIFT,
    BABY_THROW,
    BLACK_OVEN,
    CUPS,
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
from tests.drafting.guardrails.corpus.leaks import GOOD_LEAKS
from tests.drafting.guardrails.fixtures import OFFER, facts

_HOUSE_UP = upsell(HOUSE, RESERVE, "58.00")
_CANDLE_UP = upsell(HOME_CANDLE, "Home Sweet Home Candle Trio", "64.00", times=2)
_OVEN_UP = upsell("Cast Iron Skillet 26cm", BLACK_OVEN, "129.00", times=2)

GOOD: tuple[Case, ...] = (
    *GOOD_LEAKS,
    # recognition
    sms(
        "rec-sms-acme",
        "Hi Priya, 10 orders with Acme Home! Thank you for filling your shelves "
        "with us. Warmly, Maya at Acme Home",
        facts(recognition(), ACME, first_name="Priya"),
    ),
    sms(
        "rec-sms-tenure",
        "Hi Maya, 3 years with us this month. Thank you for every order, they "
        "still make our day. - Sam",
        facts(recognition()),
    ),
    sms(
        "rec-sms-first-optout",
        "Hi Jonah, thank you for 10 orders with Ember & Oak. It means a "
        "lot to a small shop. Sam\nReply STOP to opt out",
        facts(recognition(), first_name="Jonah", first_sms=True),
    ),
    sms(
        "rec-sms-house",
        "Hi Maya, your 10th order, and the House Blend is still the favourite! "
        "Thanks for being part of our story. Sam at Ember & Oak",
        facts(recognition(), {"product": {"name": HOUSE}}),
    ),
    sms(
        "rec-sms-pride",
        "Hi Alex, 10 orders! Thank you for the kind words about the Pride "
        "Rainbow Stoneware Mug too. Warmly, Sam",
        facts(recognition(), {"purchase": {"product": PRIDE_MUG}}, first_name="Alex"),
    ),
    email(
        "rec-email-acme",
        "Thank you, Priya",
        "Hi Priya,\n\nTen orders with us! I wanted to write and say thank you myself. From the "
        "Home Sweet Home Soy Candle to the Street Style Canvas Tote, it's been a joy packing "
        "each of your orders.\n\nIf there's anything I can help with, just reply." + ACME_SIGN,
        facts(recognition(), ACME, {"favourites": [HOME_CANDLE, STREET_TOTE]}, first_name="Priya"),
    ),
    email(
        "rec-email-tenure",
        "Three years together",
        "Hi Maya,\n\nYou've been with us since April 2023, and I just wanted to say thank you. "
        "Every order still gets packed by hand here, and yours always make us smile.\n\nIf "
        "you'd ever like a tip for your kitchen, I'm only a reply away." + SIGN,
        facts(recognition()),
    ),
    email(
        "rec-email-offer",
        "A small thank you",
        "Hi Maya,\n\nTen orders! As a small thank you, here's 10% off your next order with the "
        "code THANKS10, and free shipping on it too.\n\nEnjoy, and just reply if I can help "
        "with anything." + SIGN,
        facts(recognition(), {"offer": OFFER}),
    ),
    email(
        "rec-email-black",
        "Thank you from Acme Home",
        "Hi Tom,\n\nTen orders, and the Jet Black Enamel Dutch Oven 24cm among them. Thank you "
        "for trusting us with your kitchen.\n\nWe're a small team and it means a lot when "
        "someone keeps coming back.\n\nBest wishes,\nMaya\nAcme Home",
        facts(recognition(), ACME, {"purchase": {"product": BLACK_OVEN}}, first_name="Tom"),
    ),
    email(
        "rec-email-kind-regards",
        "Ten orders, thank you",
        "Hi Maya,\n\nI saw your 10th order come through this morning and wanted to say thank "
        "you. It's customers like you who keep a small roastery going.\n\nKind regards,\nSam, "
        "Ember & Oak",
        facts(recognition()),
    ),
    sms(
        "rec-sms-weighted",
        "Hi Lena, 10 orders with Acme Home, the Weighted Linen Blanket 7kg "
        "included! Thank you for choosing us. Maya",
        facts(recognition(), ACME, {"purchase": {"product": WEIGHTED}}, first_name="Lena"),
    ),
    sms(
        "rec-sms-cheers",
        "Hi Maya, ten orders with Ember & Oak! Thank you so much. Cheers, Sam",
        facts(recognition()),
    ),
    # check-in
    sms(
        "ci-sms-candle",
        "Hi Priya, hope your new Home Sweet Home Soy Candle arrived safely. Trim "
        "the wick before the first burn for an even glow. Maya at Acme Home",
        facts(check_in(HOME_CANDLE), ACME, first_name="Priya"),
    ),
    sms(
        "ci-sms-tote",
        "Hi Jonah, how's the Street Style Canvas Tote holding up so far? Any "
        "questions, just reply. - Maya",
        facts(check_in(STREET_TOTE), ACME, first_name="Jonah"),
    ),
    sms(
        "ci-sms-throw",
        "Hi Ana, hope the Baby Alpaca Throw is as soft as we promised. Cool hand "
        "wash keeps it that way. Warmly, Maya at Acme Home",
        facts(check_in(BABY_THROW), ACME, first_name="Ana"),
    ),
    sms(
        "ci-sms-tea",
        "Hi Maya, did the Good Health Herbal Tea 20 Bags arrive okay? Steep it for "
        "five minutes for the full flavour. Sam",
        facts(check_in(HEALTH_TEA)),
    ),
    sms(
        "ci-sms-weighted",
        "Hi Lena, your Weighted Linen Blanket 7kg should be with you by now. "
        "Hope it's cosy! Maya, Acme Home",
        facts(check_in(WEIGHTED), ACME, first_name="Lena"),
    ),
    sms(
        "ci-sms-oven",
        "Hi Tom, how's the new Jet Black Enamel Dutch Oven 24cm? A slow braise "
        "is a great first dish. Sam",
        facts(check_in(BLACK_OVEN), first_name="Tom"),
    ),
    sms(
        "ci-sms-mask",
        "Hi Maya, hope the Sleep Tracking Eye Mask arrived safely and fits well. "
        "Just reply if anything's off. Sam at Ember & Oak",
        facts(check_in(SLEEP_MASK)),
    ),
    sms(
        "ci-sms-basket",
        "Hi Priya, your Main Street Market Basket is on its way. Hope it makes "
        "market day easier! Maya",
        facts(check_in(MARKET_BASKET), ACME, first_name="Priya"),
    ),
    sms(
        "ci-sms-first-optout",
        "Hi Ana, hope the New Baby Muslin Gift Set made a lovely present. "
        "Any questions, just reply. Maya at Acme Home\nReply STOP to opt out",
        facts(check_in(BABY_GIFT), ACME, first_name="Ana", first_sms=True),
    ),
    sms(
        "ci-sms-house-new",
        "Hi Maya, enjoy your new House Blend! Let me know how you brew it. Sam",
        facts(check_in(HOUSE)),
    ),
    email(
        "ci-email-candle",
        "How's your candle?",
        "Hi Priya,\n\nYour Home Sweet Home Soy Candle should have arrived a few days ago. A tip "
        "from our studio: let the first burn run until the wax pool reaches the edge, and it "
        "will burn evenly for its whole life.\n\nIf anything isn't right, just reply." + ACME_SIGN,
        facts(check_in(HOME_CANDLE), ACME, first_name="Priya"),
    ),
    email(
        "ci-email-order",
        "Did your order arrive?",
        "Hi Tom,\n\nJust checking in on order #100234 from November 18. Has your Jet Black "
        "Enamel Dutch Oven 24cm arrived safely, and is it everything you hoped for?\n\nIf the "
        "box took a knock on the way, tell me and I'll sort it out." + SIGN,
        facts(check_in(BLACK_OVEN), first_name="Tom"),
    ),
    email(
        "ci-email-granola",
        "Your granola",
        "Hi Maya,\n\nHope the Health Nut Granola 500g arrived in one piece. It's lovely with "
        "cold milk or over yoghurt, and it keeps best in an airtight jar once opened.\n\nAny "
        "questions, just reply to this email." + SIGN,
        facts(check_in(GRANOLA)),
    ),
    email(
        "ci-email-mask",
        "Your eye mask",
        "Hi Lena,\n\nYour Sleep Tracking Eye Mask should be with you now. The strap adjusts at "
        "the back, and the pairing guide is in the box.\n\nIf you'd like a hand setting it "
        "up, reply here and I'll walk you through it." + ACME_SIGN,
        facts(check_in(SLEEP_MASK), ACME, first_name="Lena"),
    ),
    email(
        "ci-email-cups",
        "Your espresso cups",
        "Hi Maya,\n\nHope the Coffee House Espresso Cups Set of 4 arrived without a chip. Warm "
        "them with hot water before pulling a shot and the crema holds longer.\n\nIf one "
        "arrived damaged, reply and I'll send a replacement straight away." + SIGN,
        facts(check_in(CUPS)),
    ),
    email(
        "ci-email-throw",
        "Settling in?",
        "Hi Ana,\n\nYour Baby Alpaca Throw should be settling in by now. Alpaca sheds a little "
        "in the first week, which is normal, and a gentle shake outdoors helps.\n\nIf you "
        "have any questions, I'm only a reply away.\n\nThanks,\nMaya at Acme Home",
        facts(check_in(BABY_THROW), ACME, first_name="Ana"),
    ),
    email(
        "ci-email-tote",
        "Your tote",
        "Hi Jonah,\n\nYour Street Style Canvas Tote shipped on November 18 and should be with "
        "you now. The canvas softens with use, and a cold wash keeps the colour.\n\nJust reply "
        "if I can help with anything.\n\nCheers,\nMaya\nAcme Home",
        facts(check_in(STREET_TOTE), ACME, first_name="Jonah"),
    ),
    # upsell
    sms(
        "up-sms-house",
        "Hi Maya, the House Blend Whole Bean 250g has clearly earned its place. "
        "If you fancy a step up, the Reserve Single-Origin Ethiopia Whole Bean 1kg ($58) is "
        "lovely. Sam",
        facts(_HOUSE_UP),
    ),
    sms(
        "up-sms-house-run",
        "Hi Maya, 3 times for the House Blend! When you want something new, "
        "try the Reserve Single-Origin Ethiopia Whole Bean 1kg. - Sam",
        facts(_HOUSE_UP),
    ),
    sms(
        "up-sms-candle",
        "Hi Priya, the Home Sweet Home Soy Candle twice now! The Home Sweet Home "
        "Candle Trio ($64) has the same scent in three sizes. Maya",
        facts(_CANDLE_UP, ACME, first_name="Priya"),
    ),
    sms(
        "up-sms-oven",
        "Hi Tom, if the skillet has you cooking more, the Jet Black Enamel Dutch "
        "Oven 24cm ($129) is its natural partner. No rush. Sam",
        facts(_OVEN_UP, first_name="Tom"),
    ),
    sms(
        "up-sms-first-optout",
        "Hi Maya, glad the House Blend keeps making the cut. Ready for "
        "something new? The Reserve Single-Origin Ethiopia Whole Bean 1kg. Sam\n"
        "Reply STOP to opt out",
        facts(_HOUSE_UP, first_sms=True),
    ),
    email(
        "up-email-house",
        "A step up from your House Blend",
        "Hi Maya,\n\nYou've picked up the House Blend Whole Bean 250g three times now, so I'd "
        "say it's a keeper.\n\nIf you ever want to try something special, our Reserve "
        "Single-Origin Ethiopia Whole Bean 1kg is the one I'd point you to. At $58 for a full "
        "kilo it lasts a good while.\n\nNo rush at all." + SIGN,
        facts(_HOUSE_UP),
    ),
    email(
        "up-email-candle",
        "For your Home Sweet Home fans",
        "Hi Priya,\n\nYou've bought the Home Sweet Home Soy Candle twice, which tells me it's "
        "a favourite. The Home Sweet Home Candle Trio has the same scent in three sizes, for "
        "$64, if you'd like it in more rooms.\n\nJust reply if you have questions." + ACME_SIGN,
        facts(_CANDLE_UP, ACME, first_name="Priya"),
    ),
    email(
        "up-email-oven",
        "A partner for your skillet",
        "Hi Tom,\n\nTwo skillets in, you clearly love cooking with cast iron. The Jet Black "
        "Enamel Dutch Oven 24cm is the piece I'd add next: slow braises, bread, soups. It's "
        "$129 and will outlive us all.\n\nHappy to answer any questions." + SIGN,
        facts(_OVEN_UP, first_name="Tom"),
    ),
    email(
        "up-email-tea",
        "Another tea you might like",
        "Hi Maya,\n\nThe Good Health Herbal Tea 20 Bags has been in three of your orders. If you "
        "fancy something new, the Chai Masala Blend 150g is warming and rich, at $10.50.\n\n"
        "No pressure at all." + SIGN,
        facts(upsell(HEALTH_TEA, "Chai Masala Blend 150g", "10.50")),
    ),
    email(
        "up-email-weighted",
        "A lighter blanket for spring",
        "Hi Lena,\n\nThe Weighted Linen Blanket 7kg has been a favourite of yours. For warmer "
        "nights, the Weighted Linen Blanket 5kg is the same linen, a little lighter, at "
        "$149.\n\nJust reply if you'd like to know more." + ACME_SIGN,
        facts(
            upsell(WEIGHTED, "Weighted Linen Blanket 5kg", "149.00", times=2),
            ACME,
            first_name="Lena",
        ),
    ),
    sms(
        "up-sms-mug",
        "Hi Alex, the Pride Rainbow Stoneware Mug 3 times! The Pride Rainbow Mug "
        "Set of 2 is $42 if you'd like a pair. Sam",
        facts(upsell(PRIDE_MUG, "Pride Rainbow Mug Set of 2", "42.00"), first_name="Alex"),
    ),
    # re-engagement
    sms(
        "re-sms-tote",
        "Hi Jonah, you sent the Street Style Canvas Tote back in June. It now has "
        "reinforced handles and a zip pocket. Fancy another look? Maya",
        facts(
            re_engage(STREET_TOTE, "Reinforced handles and a zip pocket"), ACME, first_name="Jonah"
        ),
    ),
    sms(
        "re-sms-throw",
        "Hi Ana, thanks for your honest feedback on the Baby Alpaca Throw. It's "
        "now pre-washed so it sheds far less. Warmly, Maya at Acme Home",
        facts(re_engage(BABY_THROW, "Pre-washed so it sheds far less"), ACME, first_name="Ana"),
    ),
    sms(
        "re-sms-mask",
        "Hi Maya, the Sleep Tracking Eye Mask you returned has a softer strap "
        "now. If you'd like to try it again, just reply. Sam",
        facts(re_engage(SLEEP_MASK, "A softer, adjustable strap")),
    ),
    sms(
        "re-sms-first-optout",
        "Hi Lena, the Weighted Linen Blanket 7kg now has a cooler linen "
        "weave, thanks to notes like yours. Maya\nReply STOP to opt out",
        facts(re_engage(WEIGHTED, "A cooler linen weave"), ACME, first_name="Lena", first_sms=True),
    ),
    email(
        "re-email-candle",
        "We reworked the candle",
        "Hi Priya,\n\nThank you for being honest about the Home Sweet Home Soy Candle when you "
        "returned it. Since September 15 it has a cotton wick that burns cleanly and evenly.\n\n"
        "If you'd like another look, I'd love to hear what you think." + ACME_SIGN,
        facts(
            re_engage(HOME_CANDLE, "A cotton wick that burns cleanly and evenly"),
            ACME,
            first_name="Priya",
        ),
    ),
    email(
        "re-email-oven",
        "The Dutch oven, improved",
        "Hi Tom,\n\nWhen you sent back the Jet Black Enamel Dutch Oven 24cm, you told us the "
        "enamel chipped. You were right, and we listened: it now has a thicker enamel coat "
        "that resists chips.\n\nNo pressure at all; just reply if you're curious." + SIGN,
        facts(re_engage(BLACK_OVEN, "A thicker enamel coat that resists chips"), first_name="Tom"),
    ),
    email(
        "re-email-basket",
        "Your basket, rebuilt",
        "Hi Priya,\n\nThe Main Street Market Basket you returned in June now has a sturdier "
        "base and leather handles. Notes like yours are exactly why we changed it.\n\n"
        "If you'd like another look, just reply.\n\nAll the best,\nMaya\nAcme Home",
        facts(
            re_engage(MARKET_BASKET, "A sturdier base and leather handles"),
            ACME,
            first_name="Priya",
        ),
    ),
    email(
        "re-email-tea",
        "A gentler blend",
        "Hi Maya,\n\nYou returned the Good Health Herbal Tea 20 Bags because the taste was too "
        "strong. It has a gentler blend with more chamomile since September.\n\nIf you'd like "
        "to give it another go, reply here and I'll set a box aside." + SIGN,
        facts(re_engage(HEALTH_TEA, "A gentler blend with more chamomile", "taste")),
    ),
    email(
        "re-email-mug",
        "The mug is back",
        "Hi Alex,\n\nThe Pride Rainbow Stoneware Mug you sent back now has a glaze that's "
        "dishwasher safe, thanks to feedback like yours.\n\nIf you'd like one in your next "
        "order, just say the word.\n\nTalk soon,\nSam",
        facts(re_engage(PRIDE_MUG, "A dishwasher-safe glaze"), first_name="Alex"),
    ),
    # replies
    sms(
        "reply-sms-tracking",
        "Hi Maya, your order tracking number is in your confirmation "
        "email. It should arrive tomorrow. Sam",
        facts(reply("where is my order?", HOUSE)),
    ),
    sms(
        "reply-sms-mask",
        "Thanks Maya! The Sleep Tracking Eye Mask charges over USB-C, about "
        "two hours for a full charge. - Sam",
        facts(reply("how do I charge it", SLEEP_MASK)),
    ),
    sms(
        "reply-sms-candle",
        "Hi Priya, so glad you love the Home Sweet Home Soy Candle! Burn "
        "time is about 50 hours. Maya at Acme Home",
        facts(
            reply("love the candle, how long does it last?", HOME_CANDLE), ACME, first_name="Priya"
        ),
    ),
    sms(
        "reply-sms-code",
        "Hi Maya, I'm sorry, I can't find a code for that, but I'll ask the "
        "team and come back to you today. Sam",
        facts(reply("do you have a SAVE50 code?")),
    ),
    sms(
        "reply-sms-throw",
        "Hi Ana, the Baby Alpaca Throw is made from the first shearing of "
        "young alpacas, hence the name. Maya",
        facts(reply("is it for babies?", BABY_THROW), ACME, first_name="Ana"),
    ),
    sms(
        "reply-sms-street",
        "Hi Jonah, yes, the Street Style Canvas Tote fits a 15-inch laptop. Maya, Acme Home",
        facts(reply("does it fit a laptop", STREET_TOTE), ACME, first_name="Jonah"),
    ),
    email(
        "reply-email-oven",
        "Re: your Dutch oven",
        "Hi Tom,\n\nThanks for your message. The Jet Black Enamel Dutch Oven 24cm is safe in "
        "the oven up to 250 degrees, lid included, and works on induction too.\n\nIf you'd "
        "like a recipe to start with, just say." + SIGN,
        facts(reply("can it go in the oven?", BLACK_OVEN), first_name="Tom"),
    ),
    email(
        "reply-email-weighted",
        "Re: blanket care",
        "Hi Lena,\n\nGood question! The Weighted Linen Blanket 7kg can go in a large machine on "
        "a cool, gentle cycle. Dry it flat and it will keep its shape for years.\n\nAnything "
        "else, just reply." + ACME_SIGN,
        facts(reply("can I wash it?", WEIGHTED), ACME, first_name="Lena"),
    ),
    email(
        "reply-email-house",
        "Re: grind size",
        "Hi Maya,\n\nFor the House Blend in a French press, go coarse, like sea salt, and brew "
        "for four minutes. If it tastes bitter, go a touch coarser next time.\n\nHappy "
        "brewing,\nSam",
        facts(reply("what grind for french press?", HOUSE)),
    ),
    email(
        "reply-email-gift",
        "Re: gift wrap",
        "Hi Ana,\n\nYes, we can gift wrap the New Baby Muslin Gift Set and add a handwritten "
        "card. Just reply with the message you'd like on it.\n\nWith thanks,\nMaya\nAcme Home",
        facts(reply("can you gift wrap it?", BABY_GIFT), ACME, first_name="Ana"),
    ),
    email(
        "reply-email-granola",
        "Re: ingredients",
        "Hi Maya,\n\nThe Health Nut Granola 500g is made with oats, almonds, honey and a little "
        "sea salt. The full list is on the back of the bag.\n\nBest,\nSam\nEmber & Oak",
        facts(reply("what's in the granola?", GRANOLA)),
    ),
    sms(
        "reply-sms-cups",
        "Hi Maya, the Coffee House Espresso Cups Set of 4 are dishwasher safe. Enjoy! Sam",
        facts(reply("dishwasher ok?", CUPS)),
    ),
    sms(
        "reply-sms-pride",
        "Hi Alex, the Pride Rainbow Stoneware Mug holds 350ml. Thanks for asking! Sam",
        facts(reply("how big is it", PRIDE_MUG), first_name="Alex"),
    ),
)
