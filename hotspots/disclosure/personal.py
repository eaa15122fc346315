"""Personal data in incident files: column names that look personal, and personal values in text.

- :func:`is_personal_column` recognises a column name as personal whatever its spelling:
  accents, case, spaces, hyphens and camelCase are normalised (``Nome Vítima``,
  ``NomeAutor``, ``CPF do Autor``, ``Telefone-Vitima``), and words run together
  (``nomevitima``) are found by their stems. Place names (``street_name``, ``nome_rua``)
  are not personal.
- :func:`scan_text` finds CPF numbers, phone numbers, e-mail addresses and vehicle plates in
  free text; :func:`mask_text` replaces them with ``[cpf]``, ``[phone]``, ``[email]``,
  ``[plate]`` (what ingest keeps in memory and everything written carries).
"""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["PATTERNS", "is_personal_column", "mask_frame", "mask_text", "normalise_name",
           "scan_text"]

#: words that make a column name personal when they are one of its words
_WORDS = frozenset("""
nome nomes name names vitima vitimas victim victims autor autores author suspeito suspeitos
suspect suspects offender offenders acusado acusada agressor agressora infrator cpf rg cnh
cnpj pis nis documento documentos document documents doc docs passaporte passport telefone
telefones phone phones celular cel fone tel email mail narrativa narrative historico history
relato relatos descricao description obs observacao observacoes observation observations
comunicante declarante testemunha testemunhas witness witnesses nascimento birth birthdate
idade age sexo sex gender genero raca race etnia mae pai filiacao profissao escolaridade
civil apelido alcunha residencia residencial residence placa plate placas veiculo vehicle
texto text livre complemento contato contatos contact envolvido envolvidos envolvida
envolvidas involved parte partes vitimado denunciante requerente
""".split())
#: stems found inside names whose words run together (``nomevitima``, ``telefonecontato``)
_STEMS = ("vitima", "victim", "telefone", "celular", "narrativ", "historic", "descricao",
          "observ", "comunicante", "declarante", "testemunh", "nascimento", "passaport",
          "document", "suspeit", "envolvid", "complemento", "contato", "placa", "texto",
          "phone", "email", "witness", "offender", "suspect", "acusad", "agressor", "apelido",
          "alcunha", "residenc", "filiacao", "profissao", "denunciante", "cpf", "nomevit",
          "nomeaut", "nomedo", "nomeda")
#: words that name a place, not a person (``nome_rua``, ``street_name``)
_PLACE = frozenset("""
rua ruas logradouro logradouros bairro bairros via vias street streets road area areas layer
place local localidade cidade municipio distrito praca parque park avenida av trecho segmento
segment zona setor quadra lote loteamento condominio estabelecimento
""".split())
#: names that hold a personal word but are analysis columns
_NOT_PERSONAL = frozenset({"street_name", "name_street", "layer_name", "area_name",
                           "bairro_name", "nome_logradouro", "nome_rua", "nome_bairro"})


def normalise_name(name) -> str:
    """``'Nome Vítima'`` → ``'nome_vitima'``; camelCase split, accents stripped, separators
    (spaces, hyphens, dots…) made ``_``."""
    text = str(name).strip()
    text = re.sub(r"(?<=[a-zà-ÿ0-9])(?=[A-ZÀ-Þ])", "_", text)  # camelCase → camel_Case
    text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    text = re.sub(r"[^0-9A-Za-z]+", "_", text).strip("_").lower()
    return re.sub(r"_+", "_", text)


def is_personal_column(name) -> bool:
    """Whether a column name looks like personal data (names, documents, phones, narratives,
    victim or suspect data, free text, plates, contacts…), in any spelling."""
    norm = normalise_name(name)
    if norm in _NOT_PERSONAL:
        return False
    words = set(norm.split("_"))
    personal = words & _WORDS
    if personal:
        if personal <= {"nome", "nomes", "name", "names"} and words & _PLACE:
            return False  # the name of a street, a bairro, an area
        return True
    joined = norm.replace("_", "")
    return any(stem in joined for stem in _STEMS)


def _cpf_valid(digits: str) -> bool:
    if len(digits) != 11 or digits == digits[0] * 11:
        return False
    nums = [int(c) for c in digits]
    for n in (9, 10):
        s = sum(nums[i] * (n + 1 - i) for i in range(n))
        if (s * 10) % 11 % 10 != nums[n]:
            return False
    return True


#: kind → pattern (applied in this order; each match is masked before the next looks)
PATTERNS: dict[str, re.Pattern] = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "cpf": re.compile(r"(?<!\d)\d{3}\.\d{3}\.\d{3}[-.]?\d{2}(?!\d)|(?<!\d)\d{11}(?!\d)"),
    "phone": re.compile(
        r"(?<![\w])(?:\+?55[\s.-]?)?(?:\(\d{2}\)\s?|\d{2}[\s.-])?9?\d{4}[\s.-]\d{4}(?!\d)"
        r"|\(\d{2}\)\s?9?\d{8}(?!\d)"),
    "plate": re.compile(r"(?<![\w])[A-Za-z]{3}-?\d{4}(?!\w)|(?<![\w])[A-Za-z]{3}\d[A-Za-z]\d{2}"
                        r"(?!\w)"),
}
_MASK = {"email": "[email]", "cpf": "[cpf]", "phone": "[phone]", "plate": "[plate]"}


def scan_text(text) -> dict[str, int]:
    """Number of CPF, phone, e-mail and plate matches in ``text`` (none for non-text)."""
    return mask_text(text)[1]


def mask_text(text) -> tuple[object, dict[str, int]]:
    """``text`` with every CPF, phone number, e-mail and vehicle plate replaced by
    ``[cpf]``, ``[phone]``, ``[email]`` or ``[plate]``, and the number of each found."""
    if not isinstance(text, str) or not text:
        return text, {}
    found: dict[str, int] = {}
    out = text
    for kind, pattern in PATTERNS.items():
        def repl(m, _kind=kind):
            value = m.group(0)
            if _kind == "cpf" and value.isdigit() and not _cpf_valid(value):
                found["phone"] = found.get("phone", 0) + 1  # 11 bare digits: DDD + mobile
                return _MASK["phone"]
            found[_kind] = found.get(_kind, 0) + 1
            return _MASK[_kind]
        out = pattern.sub(repl, out)
    return out, found


def mask_frame(frame: pd.DataFrame, columns) -> tuple[pd.DataFrame, dict[str, dict[str, int]]]:
    """A copy of ``frame`` with :func:`mask_text` applied to ``columns`` (text columns), and
    per column the number of values masked by kind.

    The values that may hold a match are found for the whole column at once
    (:func:`_candidates`, a looser pattern in Arrow's regex engine); only those are searched
    with :data:`PATTERNS`, so the values masked are the ones a search of every value finds.
    """
    out = frame.copy()
    report: dict[str, dict[str, int]] = {}
    for col in columns:
        if col not in out.columns:
            continue
        values = out[col]
        text = values.astype("string")
        hit = _candidates(text)
        if hit.any():  # the exact search, once per distinct candidate value
            rows = np.flatnonzero(hit)
            candidates = text.iloc[rows].to_numpy(dtype=object)
            exact = {v: _ANY_RE.search(v) is not None for v in set(candidates)}
            hit[rows] = [exact[v] for v in candidates]
        if not hit.any():
            continue
        masked = values.astype(object).copy()
        counts: dict[str, int] = {}
        for i in np.flatnonzero(hit):
            masked.iloc[i], found = mask_text(str(text.iloc[i]))
            for kind, n in found.items():
                counts[kind] = counts.get(kind, 0) + n
        out[col] = masked.astype(values.dtype) if values.dtype == "string" else masked
        if counts:
            report[str(col)] = counts
    return out, report


_ANY = "|".join(f"(?:{p.pattern})" for p in PATTERNS.values())
_ANY_RE = re.compile(_ANY)
#: what every match of :data:`PATTERNS` contains, for RE2 (no look-arounds): ``@`` (e-mail),
#: 3 digits . 3 digits (formatted CPF), 8 digits (bare CPF, phone with area code),
#: 4 digits, any character, 4 digits (phone), 3 ASCII letters then a digit (plate). A digit
#: (Python's Unicode ``\d``) is ``[0-9]`` or a character after the Latin blocks (U+0250 on):
#: the first non-ASCII decimal digit is U+0660, and the Latin blocks are full, so no Unicode
#: version puts a digit there; accented letters (``lesão``) are not taken for digits.
_D = r"[0-9\x{250}-\x{10FFFF}]"
_LOOSE = (rf"@|{_D}{{3}}\.{_D}{{3}}|{_D}{{8}}|{_D}{{4}}(?s:.){_D}{{4}}"
          rf"|[A-Za-z]{{3}}-?{_D}")


def _candidates(text: pd.Series) -> np.ndarray:
    """Values of a text column (``string`` dtype) that may hold a CPF, phone, e-mail or plate:
    every value :data:`_ANY` finds something in, and a few more (all in Arrow, at once)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    found = pc.match_substring_regex(pa.array(text.array), _LOOSE)
    return found.fill_null(False).to_numpy(zero_copy_only=False).astype(bool)
