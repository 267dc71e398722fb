"""Abuse aimed at someone, which the bundled model (trained on other text) often misses: put-
downs addressed to a person, threats, wishes of harm, and common insults in other languages.

The rules read the de-obfuscated words (`normalize.readable`). An insulting word counts when
the message is aimed at someone (`you`, `ur`, `the streamer`, `mods`, `@name`) or is little more
than the insult itself; mild swearing with no target (`holy shit`, `hard as hell`) is what chat
says about games, and the model's score for it is discounted.
"""

from __future__ import annotations

import re

# fmt: off
# Who a put-down is aimed at.
TARGETS = frozenset({
    "you", "your", "ur", "u", "you're", "youre", "yourself", "ya", "yours", "youse", "streamer",
    "streamers", "mods", "mod", "y'all", "yall", "he's", "she's", "they're",
})
# Words that insult a person; everyday speech rarely aims them at someone.
INSULTS = frozenset({
    "trash", "garbage", "rubbish", "disgusting", "gross", "annoying", "ugly", "hideous", "joke",
    "clown", "clowns", "goblin", "troll", "creep", "creepy", "weirdo", "freak", "failure",
    "bozo", "muppet", "halfwit", "nitwit", "dimwit", "numpty", "brainless", "clueless", "dumb",
    "dum", "dumber", "stupid", "stoopid", "pathetic", "worthless", "useless", "loser", "losers",
    "cringe", "fat", "fatass", "lardass", "pig", "cow", "rat", "snake", "parasite", "leech",
    "degenerate", "idiot", "idiots",
    "moron", "morons", "imbecile", "cretin", "fool", "fools", "simpleton", "buffoon", "dunce",
    "donkey", "dope", "twit", "tosser", "wanker", "prat", "git", "plonker", "pillock", "knob",
    "bellend", "douche", "douchebag", "scum", "scumbag", "lowlife", "vermin", "jerk", "dweeb",
    "incompetent", "talentless", "braindead", "retard", "retarded", "mongoloid", "spastic",
    "subhuman", "peasant", "fraud", "cheater", "cheaters", "liar", "smelly", "stinky",
    "virgin", "incel", "manlet", "toddler", "crybaby", "snowflake", "sellout", "shill",
    "dogshit",
})
# Words that make an insult out of nothing else: `absolute bozo`, `such a clown`.
INTENSIFIERS = frozenset({
    "absolute", "absolutely", "such", "total", "totally", "complete", "completely", "utter",
    "utterly", "genuinely", "actual", "imagine", "biggest", "worst", "being", "trash",
    "garbage", "ur", "you",
})
# Swearing that is about a game or a moment, not a person, unless aimed at someone.
MILD_SWEARING = frozenset({
    "ass", "arse", "hell", "shit", "shitty", "damn", "dammit", "goddamn", "crap", "crappy",
    "stupid", "dumb", "bloody", "bullshit", "wtf", "sucks", "suck", "freaking", "frickin",
    "pissed", "heck", "butt",
})
# Common insults in other languages chat is written in (Spanish, Portuguese, German, French,
# Italian): abusive whether aimed or not.
FOREIGN = frozenset({
    "idiota", "estupido", "estupida", "pendejo", "pendeja", "gilipollas", "cabron", "cabrona",
    "imbecil", "tonto", "tonta", "mierda", "puta", "puto", "maricon", "lixo", "otario", "burro",
    "caralho", "porra", "foder", "fodase", "arrombado", "viado", "dumm", "arschloch", "wichser",
    "hurensohn", "verpiss", "fotze", "schlampe", "missgeburt", "spast", "vollidiot", "connard",
    "connasse", "salope", "putain", "encule", "abruti", "debile", "stronzo", "vaffanculo",
    "cazzo", "coglione", "deficiente", "scemo", "merda",
})
# fmt: on
_THREAT = re.compile(
    r"\b(?:i'?ll|i will|i'?m gonna|i am gonna|i'?m going to|i am going to|gonna|we'?ll|"
    r"i'?d love to see|i want to see|i swear i'?ll|wait till i|until i|when i)\b"
    r"(?:\s+\S+){0,4}?\s+(?:kill|murder|punch|beat|hurt|stab|shoot|dox|doxx|swat|strangle|"
    r"choke|slap|smash|break|end|ruin|destroy|find|hunt)\w*"
    r"(?:\s+\S+){0,3}?\s+(?:you|u|ur|your|yourself|ya)\b"
)
_HARM = re.compile(
    r"\b(?:"
    r"(?:hope|wish|pray)\s+(?:you|u|ur|he|she|they)\b.{0,40}\b(?:die|dies|dead|suffer|hit|"
    r"crash|cancer|burn|rot|lose|fail)"
    r"|die in a fire|go die|kys|unalive|(?:deserve|deserves)\s+to\s+(?:die|suffer|be|get)"
    r"|(?:should|go)\s+(?:just\s+)?(?:die|quit life|end it|off yourself|disappear)"
    r"|nobody would (?:care|miss|notice)|no one would (?:care|miss|notice)"
    r"|(?:better|happier) without you|make your life (?:hell|miserable)"
    r"|you'?ll regret|you will regret|you'?re (?:dead|done|finished) when"
    r"|(?:know|found|have|got) (?:where you (?:live|work|sleep)|your (?:address|ip|house|"
    r"real name|school|family))"
    r"|watch your back|see you soon|sleep with one eye|coming for you|i know where"
    r"|(?:hang|neck|end|off|shoot|drown)\s+yourself|jump off a|get hit by a"
    r")"
)
# Put-downs that need no insulting word: telling someone they are unwanted or worthless.
_PUT_DOWN = re.compile(
    r"\b(?:"
    r"nobody (?:asked|likes you|cares|watches|wants you)|no one (?:asked|likes you|cares|"
    r"watches|wants you)|who asked|shut (?:your|ur|the fuck|up)|get (?:out|lost) of here"
    r"|go back to|you don'?t belong|(?:stop|quit) streaming|(?:quit|uninstall|delete)\s+"
    r"(?:the game|your channel|life)|you can'?t (?:play|stream|even)|you play like a"
    r"|cry (?:more|about it)|no (?:friends|life|talent|skill)|your (?:mom|mother|mum)\b"
    r"|(?:everyone|everybody) hates you|look at (?:you|the size of you|your face)"
    r"|(?:you(?:'re| are)?|ur) (?:such |a |an |the |so |total |complete |utter )*"
    r"(?:waste|disgrace|embarrassment|disappointment|bad|worst|terrible|awful|mid|washed|"
    r"boring)"
    r")"
)


def aimed(words: list[str]) -> bool:
    """Whether a message addresses or points at someone."""
    return any(word in TARGETS or word.startswith("@") for word in words)


def abuse(plain: str) -> str:
    """Why a message (de-obfuscated, lowercase) is abuse by these rules, or ``""``."""
    words = plain.split()
    if FOREIGN.intersection(words):
        return "insult in another language"
    if _THREAT.search(plain):
        return "threat"
    if _HARM.search(plain):
        return "wish of harm"
    if _PUT_DOWN.search(plain):
        return "put-down"
    insults = [at for at, word in enumerate(words) if word in INSULTS]
    if not insults:
        return ""
    if aimed(words) or len(words) <= 3:
        return "insult aimed at someone"
    if any(at > 0 and words[at - 1] in INTENSIFIERS for at in insults):
        return "insult"
    return ""


def without_mild_swearing(words: list[str]) -> list[str] | None:
    """The words left for the model when mild swearing is aimed at nobody (else None)."""
    if aimed(words) or MILD_SWEARING.isdisjoint(words):
        return None
    return [word for word in words if word not in MILD_SWEARING]
