"""Random CPython `re` patterns and texts for the deciders whose policies carry
patterns (answer_shape, dangling_intent): the constructs the native engine
implements (literals, escapes, classes, groups, scoped flags, greedy and lazy
repeats, anchors), the Unicode case traps of IGNORECASE (long s, Kelvin sign,
dotted and dotless i, final sigma, ligatures) and patterns CPython refuses."""
from .common import NON_ASCII

CASE_TRAPS = ["ſ", "K", "İ", "ı", "ς", "σ", "Σ", "ß", "ẞ", "µ", "Μ", "ﬅ", "ﬆ", "ǅ", "ǆ", "Ǆ", "ͅ", "ι", "ι", "Å", "å", "ϐ", "β"]
LITERALS = "abcsk iXYZ_-:'/<>1" + "".join(CASE_TRAPS[:8])
ESCAPES = [r"\b", r"\B", r"\s", r"\S", r"\w", r"\W", r"\d", r"\D", r"\A", r"\Z", r"\.", r"\(", r"\-", r"\n", r"\t",
           r"\x41", r"\u017f", r"\\", r"\'", r"\ ", r"\#", r"\073", r"\0"]
CLASSES = ["[a-z]", "[^\\s]", "[A-Z_]", "[ß-ſ]", "[Σσ]", "[^a]", "[\\w-]", "[\\d.]", "[]a]", "[a-]", "[^\\W\\d]",
           "[k]", "[K]", "[i-k]", "[\\x00-\\x1f]", "[Ǆ-ǆ]", "[ο-σ]", "[À-ÿ]", "[\\u0100-\\u017f]", "[^ſ]", "[.]", "[\\b]"]
INVALID = ["(", "[a", "a**", "\\q", "*a", "[z-a]", ")", "a{3,2}", "(?P<1>x)", "x(?i)", "\\1", "(?Q)", "[\\A]", "(?P=n)",
           "(?i", "a|*", "\\", "(?#x", "[\\d-z]", "(?P<n>a)(?P<n>b)", "\\u12", "\\x4"]
WORDS = ["let me think", "Let Me Reason", "step 1: ", "STEP 1:\t", "I cannot answer", "i cannot help",
         "I'm sorry, I can't", "im unable but cannot", "tool_call", "Function_Call(x)", "tool_use", "<thinking>",
         "</THINKING>", "<scratchpad>", "Traceback (most recent call last)", "Answer:", "answer", "yet", "need to",
         "I still need to", "next, I will", "ſtep 1: ", "Step 1: ", "I cannot do it yet", "done"]
TEXT_CHARS = "abc XYZ.,!?:;'\n\t\r_-0123" + "\x00\x01\x0b\x0c\x1c\x1f\x85\u2028\u00a0\u3000"


def atom(rng, depth):
    r = rng.random()
    if r < 0.35:
        return rng.choice(LITERALS)
    if r < 0.5:
        return rng.choice(ESCAPES)
    if r < 0.6:
        return rng.choice(CLASSES)
    if r < 0.66:
        return rng.choice([".", "^", "$"])
    if r < 0.72:
        return rng.choice(CASE_TRAPS + NON_ASCII)
    if depth < 2 and r < 0.92:
        inner = "|".join(seq(rng, depth + 1) for _ in range(rng.randint(1, 3)))
        head = rng.choice(["(", "(?:", "(?:", "(?P<g%d>" % rng.randint(0, 99), "(?i:", "(?-i:", "(?s:", "(?m:",
                           "(?x:", "(?a:", "(?#c)("])
        return head + inner + ")"
    return rng.choice(WORDS)


def quant(rng):
    q = rng.choice(["*", "+", "?", "{2}", "{1,3}", "{,2}", "{2,}", "{0,40}", "{", "{}", "{x}"])
    if q[0] in "*+?" or (q[0] == "{" and q[-1] == "}" and q[1:-1].replace(",", "").isdigit()):
        if rng.random() < 0.3:
            q += "?"
    return q


def seq(rng, depth=0):
    out = []
    for _ in range(rng.randint(1, 4)):
        a = atom(rng, depth)
        out.append(a)
        if a not in ("^", "$", r"\b", r"\B", r"\A", r"\Z") and rng.random() < 0.3:
            out.append(quant(rng))
    return "".join(out)


def pattern(rng):
    r = rng.random()
    if r < 0.08:
        return rng.choice(INVALID)
    p = seq(rng)
    if rng.random() < 0.1:
        p = rng.choice(["(?i)", "(?s)", "(?m)", "(?x)", "(?a)", "(?u)"]) + p
    if rng.random() < 0.2:
        p = "|".join([p, seq(rng)])
    return p


def text(rng, n=6):
    parts = []
    for _ in range(rng.randint(0, n)):
        r = rng.random()
        if r < 0.35:
            parts.append(rng.choice(WORDS))
        elif r < 0.55:
            parts.append(rng.choice(CASE_TRAPS + NON_ASCII))
        elif r < 0.57:
            parts.append("\ud800")
        else:
            parts.append("".join(rng.choice(TEXT_CHARS) for _ in range(rng.randint(1, 6))))
    return "".join(parts)
