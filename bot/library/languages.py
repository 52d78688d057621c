"""AO3 language names → ISO 639-1 codes ("English" → "en", "中文-普通话 國語" → "zh")."""

from __future__ import annotations

import re

# AO3's own language names (as shown on work pages), plus English names for robustness.
_BY_NAME: dict[str, str] = {
    "english": "en", "español": "es", "spanish": "es", "français": "fr", "french": "fr",
    "deutsch": "de", "german": "de", "italiano": "it", "italian": "it",
    "português brasileiro": "pt", "português europeu": "pt", "português": "pt",
    "portuguese": "pt", "русский": "ru", "russian": "ru", "中文": "zh",
    "中文-普通话 國語": "zh", "中文-广东话 粵語": "zh", "中文-吴语": "zh", "chinese": "zh",
    "日本語": "ja", "japanese": "ja", "한국어": "ko", "한국말": "ko", "korean": "ko",
    "polski": "pl", "polish": "pl", "nederlands": "nl", "dutch": "nl", "svenska": "sv",
    "swedish": "sv", "dansk": "da", "danish": "da", "norsk": "no", "norwegian": "no",
    "suomi": "fi", "finnish": "fi", "türkçe": "tr", "turkish": "tr", "tiếng việt": "vi",
    "vietnamese": "vi", "bahasa indonesia": "id", "indonesian": "id",
    "bahasa malaysia": "ms", "bahasa melayu": "ms", "malay": "ms", "filipino": "tl",
    "tagalog": "tl", "čeština": "cs", "czech": "cs", "magyar": "hu", "hungarian": "hu",
    "română": "ro", "romanian": "ro", "ελληνικά": "el", "greek": "el", "עברית": "he",
    "hebrew": "he", "العربية": "ar", "arabic": "ar", "فارسی": "fa", "persian": "fa",
    "ไทย": "th", "thai": "th", "українська": "uk", "ukrainian": "uk", "български": "bg",
    "bulgarian": "bg", "català": "ca", "catalan": "ca", "hrvatski": "hr", "croatian": "hr",
    "српски": "sr", "srpski": "sr", "serbian": "sr", "slovenčina": "sk", "slovak": "sk",
    "slovenščina": "sl", "slovenian": "sl", "lietuvių kalba": "lt", "lietuvių": "lt",
    "lithuanian": "lt", "latviešu valoda": "lv", "latviešu": "lv", "latvian": "lv",
    "eesti": "et", "estonian": "et", "íslenska": "is", "icelandic": "is", "gaeilge": "ga",
    "irish": "ga", "cymraeg": "cy", "welsh": "cy", "euskara": "eu", "basque": "eu",
    "galego": "gl", "galician": "gl", "esperanto": "eo", "lingua latina": "la",
    "latine": "la", "latin": "la", "हिन्दी": "hi", "hindi": "hi", "বাংলা": "bn",
    "bengali": "bn", "தமிழ்": "ta", "tamil": "ta", "afrikaans": "af", "kiswahili": "sw",
    "swahili": "sw", "shqip": "sq", "albanian": "sq", "македонски": "mk",
    "macedonian": "mk", "беларуская": "be", "belarusian": "be", "қазақша": "kk",
    "kazakh": "kk", "հայերեն": "hy", "armenian": "hy", "ქართული": "ka", "georgian": "ka",
    "मराठी": "mr", "marathi": "mr", "తెలుగు": "te", "telugu": "te", "ਪੰਜਾਬੀ": "pa",
    "punjabi": "pa", "اردو": "ur", "urdu": "ur", "af soomaali": "so", "somali": "so",
    "føroyskt": "fo", "faroese": "fo", "frysk": "fy", "frisian": "fy", "lëtzebuergesch": "lb",
    "luxembourgish": "lb", "malti": "mt", "maltese": "mt", "gàidhlig": "gd",
    "scottish gaelic": "gd", "brezhoneg": "br", "breton": "br", "occitan": "oc",
    "bosanski": "bs", "bosnian": "bs", "azərbaycan dili": "az", "azerbaijani": "az",
    "ўзбек": "uz", "oʻzbekcha": "uz", "uzbek": "uz", "монгол": "mn", "mongolian": "mn",
    "ខ្មែរ": "km", "khmer": "km", "ພາສາລາວ": "lo", "lao": "lo", "မြန်မာဘာသာ": "my",
    "burmese": "my", "नेपाली": "ne", "nepali": "ne", "සිංහල": "si", "sinhala": "si",
    "bahasa jawa": "jv", "javanese": "jv", "sunda": "su", "sundanese": "su",
    "kurdî": "ku", "kurdish": "ku", "te reo māori": "mi", "maori": "mi",
}
_CODE = re.compile(r"(?i)([a-z]{2})(?:[-_][a-z0-9]+)*")


def language_code(name: str | None) -> str | None:
    """The ISO 639-1 code for an AO3 language name or a language tag, else None."""
    if not name:
        return None
    key = " ".join(name.split()).casefold()
    if key in _BY_NAME:
        return _BY_NAME[key]
    head = re.split(r"[-(]", key, maxsplit=1)[0].strip()
    if head in _BY_NAME:
        return _BY_NAME[head]
    match = _CODE.fullmatch(key)
    return match.group(1).lower() if match else None
