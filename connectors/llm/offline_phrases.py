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

RECOGNITION: Final[Bank] = {
    "core": (
        "{orders} orders with us - that's a real milestone, and I wanted to say a proper "
        "thank you.",
        "You've now placed {orders} orders with us, and I didn't want that to pass without a "
        "thank-you.",
        "Thank you for {orders} orders with {brand}. It means a great deal to a small team "
        "like ours.",
        "It's been {years} since your first order with us, and I wanted to thank you for "
        "sticking with us.",
        "{years} together! Thank you for making {brand} a part of your home.",
        "Thank you for {years} with {brand}. Having you with us all this time means a lot.",
    ),
    "core_plain": (
        "I wanted to say a simple, heartfelt thank you for being such a loyal part of {brand}.",
        "Customers like you are the reason a small shop like ours keeps going, and I wanted to "
        "say thank you.",
        "Just a quick note to say thank you. Your support means a lot to all of us here.",
        "This one is simply a thank-you, for choosing {brand} again and again.",
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
    "email_more": (
        "Every order is packed by someone here who cares about getting it right, so it's "
        "lovely to know they find a good home with you.",
        "A small shop lives on people who come back, and you are one of the reasons we get to "
        "keep doing what we love.",
        "It's customers like you who make the work feel worthwhile.",
    ),
}

CHECK_IN: Final[Bank] = {
    "core": (
        "Hope your {product} arrived safely and is settling in nicely.",
        "Just checking in on the {product} you picked up {when}. How's it working out so far?",
        "How are you getting on with your {product}? I hope it arrived in good shape.",
        "I hope your {product} has found its way to you and is already earning its keep.",
        "I wanted to see how the {product} is treating you since you ordered it {when}.",
        "Quick hello to ask how your new {product} is going.",
    ),
    "help": (
        "Any questions about setup or care, just reply here.",
        "If anything isn't quite right, or you'd like a tip or two, I'm happy to help.",
        "If you'd like a few pointers to get the most out of it, just ask.",
        "Anything not quite right? Just reply and I'll help.",
    ),
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
    "email_more": (
        "If something doesn't feel quite right yet, a small tweak often fixes it, and I'm glad "
        "to walk you through it.",
        "Sometimes a small adjustment makes all the difference, so don't hesitate to ask.",
        "I'd love to hear how the first few days have gone.",
    ),
}

UPSELL: Final[Bank] = {
    "core": (
        "The {fav} has clearly earned a regular spot in your routine, so I thought you might "
        "like to know about the {upgrade}.",
        "Glad the {fav} keeps making the cut! If you ever fancy a step up, the {upgrade} is "
        "the one I'd point you to.",
        "Since the {fav} is a favourite of yours, I wanted to share the {upgrade}. I think "
        "it's a natural next step.",
        "If you love the {fav}, you might really enjoy the {upgrade}.",
        "A thought for your next order: the {upgrade}. If the {fav} suits you, I think you'd "
        "like it a lot.",
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
    "core": (
        "When you sent back the {returned}, you told us {reason}. That stuck with us, and "
        "we've since reworked it: {improvement}.",
        "Thank you for being honest about the {returned}. Feedback like yours shaped the new "
        "version: {improvement}.",
        "I'm sorry the {returned} didn't work out for you the first time. We took notes like "
        "yours to heart and improved it: {improvement}.",
        "The {returned} wasn't right for you, and I'm sorry about that. We've since improved "
        "it: {improvement}.",
        "You sent back the {returned} because {reason}, and you were right to. Here's what "
        "changed: {improvement}.",
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
