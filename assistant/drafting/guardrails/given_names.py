"""Common given names: a capitalised pair is read as a person's full name only when its first
word is one of these (so "Trail Runner" or "Rain Jacket" never is).

Names that are also everyday words ("Will", "May", "Grace", "Hope", "Rose", "Mark", "Jack",
"Amber", "Summer") are left out on purpose: a false block costs a reviewer's time on every
such draft, a missed one is still caught by the phone and email checks.
"""

from __future__ import annotations

from typing import Final

_NAMES: Final = """
aaron abby abigail adam adrian adriana aiden aisha alan albert alejandro alex alexa alexander
alexandra alexis alfred alice alicia alison allison alyssa amanda amelia amir amy ana andre
andrea andrew andy angela angelica anita ann anna anne annie anthony antonio arthur ashley
audrey austin ava barbara beatrice becky ben benjamin bernard beth bethany betty beverly
bianca bobby bonnie brad bradley brandon brenda brendan brian briana brittany brooke bruce
bryan caleb cameron camila carla carlos carmen caroline carolyn carrie casey catherine cecilia
charles charlie charlotte chelsea cheryl chloe chris christina christine christopher cindy
claire clara claudia colin connor courtney craig crystal cynthia daisy dale daniel danielle
david deborah debra denise dennis derek diana diane diego dominic donald donna dorothy douglas
dylan eduardo edward eileen elaine eleanor elena eli elijah elizabeth ella ellen emily emma
eric erica erik erin ethan eugene eva evan evelyn fatima felix fernando fiona francesca
francis gabriel gabriela gabrielle gail gary george gerald gloria gordon gregory
hailey hannah harold harry heather helen henry hillary howard hugo ian isaac isabel isabella
isaiah ivan jacob jacqueline james jamie jane janet janice jared jasmine jason javier jeffrey
jennifer jenny jeremy jesse jessica jill joan joanna joe joel john johnny jonathan
jordan jorge jose joseph joshua joyce juan julia julian juliana julie justin kaitlyn karen
katherine kathleen kathryn kathy katie kayla keith kelly kenneth kevin kimberly kristen kyle
laura lauren leah leo leonard leslie liam linda lisa logan lorenzo louis lucas lucia
lucy luis luke lydia madeline madison manuel marcus margaret maria mariana marie marilyn
marisol martha martin mary matthew megan melanie melissa mia michael michelle miguel
mila miranda molly monica nancy naomi natalie nathan nicholas nicole noah nora norma olivia
oliver omar oscar owen pablo pamela patricia patrick paul paula peter philip priya rachel
rafael rahul ralph randy raquel rebecca regina richard ricardo rita robert roberto robin
roger ronald rosa ruth ryan samantha samuel sandra sara sarah scott sean sebastian sergio
shannon sharon shirley sofia sophia sophie stephanie stephen steven susan sylvia tamara tanya
teresa theresa thomas timothy tina todd tommy tracy travis tyler valerie vanessa veronica
victor victoria vincent walter wanda wayne wendy william xavier yolanda yusuf
zachary zoe zoey
"""
GIVEN_NAMES: Final[frozenset[str]] = frozenset(_NAMES.split())
