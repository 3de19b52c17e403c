"""Phrasing for the offline drafter: several openings, bodies and closings per playbook.

Each entry is a `str.format` template over named slots filled from the facts ({name},
{product}, {when}, ...). An entry is only eligible when every slot it names has a value, so a
message never mentions a date, milestone or product the facts do not hold. Plain ASCII only:
these texts go out by SMS, where one curly quote or long dash would switch to UCS-2.

Tone rules baked in: thank before anything else, mention the real purchase, no discount unless
the facts grant one, no guilt ("we miss you"), no surveillance ("we noticed").
"""

from __future__ import annotations

from typing import Final

Bank = dict[str, tuple[str, ...]]

GREETINGS: Final = ("Hi {name},", "Hi {name}!", "Hello {name},", "Hi {name},", "Hey {name},")
FORMAL_GREETINGS: Final = ("Hello {name},", "Hi {name},")
EMAIL_GREETINGS: Final = ("Hi {name},", "Hello {name},", "Hi {name},")

# Closings chosen when a reviewer asks for a warmer message.
WARM_CLOSINGS: Final = (
    "Thank you, truly.",
    "It means a lot to us, honestly.",
    "Sending warm wishes from all of us here.",
)
# Closings that ask what the customer would like next (an A/B variant's instruction says
# "ask what ..."): a question, never a promise of access, dates or perks.
ASK_CLOSINGS: Final = (
    "Is there anything you'd love to see from us next? Just reply - I read every message.",
    "What would you like to see on our shelves next? I'd love to hear.",
    "If there's something you wish we made, just reply and tell me.",
)


def _combos(leads: tuple[str, ...], tails: tuple[str, ...]) -> tuple[str, ...]:
    """Every lead joined to every tail: one sentence, many openings from few phrases."""
    return tuple(f"{lead} {tail}" for lead in leads for tail in tails)


# Openings are lead x tail so that no first sentence is shared by more than a few percent of a
# campaign (a batch that opens alike reads as batch-and-blast).
_THANKS_TAILS: Final = (
    "and I wanted to say a proper thank you.",
    "so I wanted to say thank you myself.",
    "and that deserves a real thank-you.",
    "and I didn't want that to pass without a thank-you.",
    "which means a lot to us.",
    "and I'm grateful for every one of them.",
    "so this is a quick note of thanks.",
    "and I'm so glad you keep coming back.",
    "so thank you, truly.",
)

RECOGNITION: Final[Bank] = {
    "core": _combos(
        (
            "{orders} orders with us -",
            "That's {orders} orders with us now,",
            "You've now placed {orders} orders with us,",
            "{orders} orders and counting -",
            "Your orders with {brand} just reached {orders},",
            "{orders} orders with {brand} -",
            "You've just passed {orders} orders with us,",
            "{orders} orders since your first one -",
        ),
        _THANKS_TAILS,
    )
    + _combos(
        (
            "It's been {years} since your first order,",
            "{years} with {brand} -",
            "You've been with us for {years} now,",
            "{years} since your first order with us -",
            "That's {years} of orders with us,",
            "{years} since you first ordered from {brand} -",
            "You first ordered from us {years} ago,",
            "{years} of orders with {brand} -",
        ),
        (*_THANKS_TAILS[:5], *_THANKS_TAILS[6:], "and I'm grateful you've stuck with us."),
    ),
    "core_plain": _combos(
        (
            "Just a quick note to say thank you",
            "This one is simply a thank-you",
            "A quick hello to say thank you",
            "I wanted to send a proper thank-you",
            "A short note of thanks",
            "Just dropping by to say thank you",
            "A heartfelt thank-you",
            "Thank you, truly,",
        ),
        (
            "for choosing {brand} again and again.",
            "for being such a loyal part of {brand}.",
            "for coming back to us so often.",
            "for all your orders with us.",
            "for sticking with {brand}.",
            "for your support - it means a lot to us.",
            "for every order you've placed with us.",
            "for being with us all this time.",
        ),
    ),
    "purchase": (
        "I hope the {product} is treating you well.",
        "Hope you're enjoying the {product}.",
        "I hope the {product} has found a happy home with you.",
    ),
    "closing": (
        "No need to reply - I just wanted you to know.",
        "If there's ever anything I can do for you, just reply here.",
        "Here's to many more good things together.",
        "Thank you for being part of the story.",
    ),
    "subject": (
        "Thank you, {name}",
        "{orders} orders - thank you!",
        "{years} together - thank you",
        "A thank-you from {brand}",
        "A small note of thanks",
    ),
    # Anything about the brand itself comes from brand.yaml (`about`), never from here.
    "email_more": (
        "{about}",
        "It's customers like you who make the work feel worthwhile.",
        "Knowing our things have a good home with you makes our day.",
    ),
}

# Check-in openings per phrase family of the product's category (see product_names).
_CHECK_IN_LEADS: Final = (
    "Hope your {product} arrived safely",
    "Just checking in on the {product} you picked up {when}",
    "Quick hello about your {product}",
    "I wanted to check in on the {product}",
    "Checking in on your {product}",
    "A quick one about the {product} you ordered {when}",
    "A note from {brand} about your {product}",
    "Just a quick check-in on your {product}",
    "Following up on your {product}",
    "Hope all is well with your {product}",
)
_CHECK_IN_TAILS: Final[dict[str, tuple[str, ...]]] = {
    "food": (
        "- how are you finding it?",
        "- is it going down well?",
        "- how are you getting on with it?",
        "- is it what you hoped?",
        "- how do you like it so far?",
        "- is it hitting the spot?",
        "- is it to your taste?",
    ),
    "consumable": (
        "- how are you finding it?",
        "- is it doing the trick?",
        "- how are you getting on with it?",
        "- is it what you hoped?",
        "- how do you like it so far?",
        "- is it working out for you?",
        "- are you happy with it?",
    ),
    "apparel": (
        "- how's the fit?",
        "- is the size right?",
        "- does it fit the way you hoped?",
        "- how is it wearing so far?",
        "- are you happy with the fit?",
        "- how does it feel on?",
        "- does it feel right?",
    ),
    "gear": (
        "- how's it working out so far?",
        "- is it all set up?",
        "- is it earning its keep?",
        "- how are you getting on with it?",
        "- did it arrive in good shape?",
        "- is it settling in nicely?",
        "- is it doing its job?",
    ),
    "beauty": (
        "- how is it suiting you?",
        "- how are you finding it?",
        "- is it working for you?",
        "- how do you like it so far?",
        "- does it suit your routine?",
        "- is it what you hoped?",
        "- are you enjoying it?",
    ),
    "general": (
        "- how's it going so far?",
        "- did it arrive in good shape?",
        "- is it what you hoped?",
        "- how are you getting on with it?",
        "- is everything as it should be?",
        "- how do you like it so far?",
        "- are you enjoying it?",
    ),
}
CHECK_IN_FAMILIES: Final[dict[str, Bank]] = {
    "food": {
        "help": (
            "If you're running low or fancy trying something new, just reply.",
            "Running low already? Just reply and I'll help.",
            "If it isn't quite to your taste, just reply and I'll help.",
        ),
        "email_more": (
            "I'd love to hear what you think of it.",
            "Everyone's taste is different, so your honest take really helps.",
        ),
    },
    "consumable": {
        "help": (
            "If you're running low, just reply and I'll help.",
            "Running low already? Just reply and I'll help.",
            "If it isn't quite right for you, just reply and I'll help.",
        ),
        "email_more": (
            "I'd love to hear what you think of it.",
            "If it isn't quite what you need, I'm glad to help you find the right one.",
        ),
    },
    "apparel": {
        "help": (
            "If the size or fit isn't quite right, just reply and I'll help sort it.",
            "Any questions about sizing or care, just reply here.",
            "If it doesn't fit the way you hoped, just reply and I'll help.",
        ),
        "email_more": (
            "A good fit makes all the difference, so do tell me if it's off.",
            "I'd love to hear how it wears in over the first few weeks.",
        ),
    },
    "gear": {
        "help": (
            "Any questions about setup or care, just reply here.",
            "If you'd like a few pointers to get the most out of it, just ask.",
            "Anything not quite right? Just reply and I'll help.",
        ),
        "email_more": (
            "If something doesn't feel quite right yet, a small tweak often fixes it, and "
            "I'm glad to walk you through it.",
            "Sometimes a small adjustment makes all the difference, so don't hesitate to ask.",
        ),
    },
    "beauty": {
        "help": (
            "If you'd like tips on using it, just reply.",
            "If it doesn't suit you, just reply and I'll help.",
            "Any questions about how to use it, just reply here.",
        ),
        "email_more": (
            "Everyone's routine is different, so your honest take really helps.",
            "I'd love to hear how it suits you after a week or two.",
        ),
    },
    "general": {
        "help": (
            "If anything isn't quite right, just reply and I'll help.",
            "Any questions at all, just reply here.",
            "Anything not quite right? Just reply and I'll help.",
        ),
        "email_more": ("I'd love to hear how the first few days have gone.",),
    },
}

CHECK_IN: Final[Bank] = {
    **{
        f"core_{family}": _combos(_CHECK_IN_LEADS, tails)
        for family, tails in _CHECK_IN_TAILS.items()
    },
    "closing": (
        "Enjoy!",
        "Thanks again for your order.",
        "Thanks for shopping with us.",
        "Have a lovely week.",
    ),
    "subject": (
        "How's your {product}?",
        "Checking in on your {product}",
        "How's it going, {name}?",
        "A quick check-in from {brand}",
    ),
}

UPSELL: Final[Bank] = {
    "core": _combos(
        (
            "The {fav} has clearly earned a regular spot in your routine,",
            "Glad the {fav} keeps making the cut,",
            "You've come back to the {fav} a few times now,",
            "The {fav} seems to be a favourite of yours,",
            "You clearly enjoy the {fav},",
            "The {fav} keeps earning its place,",
            "The {fav} has become a regular for you,",
            "The {fav} is clearly a hit with you,",
            "The {fav} is a firm favourite of yours,",
        ),
        (
            "so I thought you might like to know about the {upgrade}.",
            "so the {upgrade} might be worth a look.",
            "and the {upgrade} is the one I'd point you to next.",
            "so I wanted to share the {upgrade}.",
            "and I think you'd enjoy the {upgrade}.",
            "so here's a thought for next time: the {upgrade}.",
            "and the {upgrade} could be a good next step.",
            "so you might like the {upgrade}.",
            "so I'd love you to try the {upgrade}.",
        ),
    ),
    # Why the upgrade is better, from the facts only: its improvement note, its size, the
    # words its name adds, or its category.
    "why_note": (
        "What's better about it: {why}.",
        "The difference: {why}.",
        "Why I'd suggest it: {why}.",
    ),
    "why_size": (
        "It's the same {same}, in the bigger {size} size.",
        "Same {same}, just in the bigger {size} size.",
    ),
    "why_words": (
        "It's the {why} version, a step up from yours.",
        "The step up is the {why} version.",
    ),
    "why_category": (
        "It's from our {why} range, and a natural next step from the {fav}.",
        "It's from the {why} range, and it goes well with the {fav}.",
    ),
    "extra": (
        "No rush at all - just a thought.",
        "Happy to answer any questions about it.",
        "If you'd like to know more, just reply.",
        "And if the {fav} is just right as it is, that's perfect too.",
    ),
    "closing": (
        "Enjoy!",
        "Thanks, as always.",
        "Thanks for being such a regular.",
    ),
    "subject": (
        "A step up from the {fav}",
        "Something you might like, {name}",
        "An idea for your next order",
        "If you love the {fav}",
    ),
    "email_more": (
        "I only suggest it because it seems a good match for how much you enjoy the {fav}.",
        "There's no catch, just a suggestion from one enthusiast to another.",
        "If it's not for you, no problem at all.",
    ),
}

RE_ENGAGEMENT: Final[Bank] = {
    "core": _combos(
        (
            "Thank you for being honest about the {returned}",
            "I'm sorry the {returned} didn't work out for you",
            "The {returned} wasn't right for you the first time",
            "You sent back the {returned} because {reason}",
            "Your feedback on the {returned} stayed with us",
            "When you returned the {returned}, you told us {reason}",
            "The {returned} let you down, and I'm sorry",
            "I know the {returned} fell short for you",
            "Thanks for telling us the {returned} wasn't right",
        ),
        (
            "- we've since reworked it: {improvement}.",
            "- and we've improved it: {improvement}.",
            "- here's what changed: {improvement}.",
            "- so we made changes: {improvement}.",
            "- notes like yours shaped the new version: {improvement}.",
            "- it's been reworked: {improvement}.",
            "- the new version has {improvement}.",
            "- we went back to work on it: {improvement}.",
        ),
    ),
    "invite": (
        "If you'd like to give it another look, I'd love to hear what you think.",
        "No pressure at all, I just wanted you to know.",
        "If you're curious, I'm happy to answer any questions.",
        "Should you want to try it again, just reply and I'll help.",
    ),
    "closing": (
        "Thank you for helping us make it better.",
        "Thanks again for the honest feedback.",
        "It means a lot that you told us.",
    ),
    "subject": (
        "The {returned}, reworked",
        "We listened: the new {returned}",
        "Thank you for your feedback, {name}",
        "A better {returned}",
    ),
    "email_more": (
        "Returns are never fun, and I'm grateful you took the time to tell us what went wrong.",
        "We'd much rather hear what didn't work than have you put up with it.",
        "Honest feedback is the most useful thing a customer can give us.",
    ),
}

REASONS: Final = {
    "fit": "the fit wasn't right",
    "sizing": "the sizing was off",
    "quality": "it didn't live up to what you expected",
}
