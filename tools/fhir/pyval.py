"""Independent checks of the FHIR documents in DIR: fhir.resources (R4B models), fhircraft
(R4 models and invariants), and each response against the Questionnaire it names."""
import json, glob, sys, os
from fhir.resources.R4B.questionnaire import Questionnaire as Q4B
from fhir.resources.R4B.questionnaireresponse import QuestionnaireResponse as QR4B
import fhircraft.fhir.resources.datatypes.R4.core as core
files = sorted(glob.glob(os.path.join(sys.argv[1], '*.json')))
ok = {"fhir.resources R4B": 0, "fhircraft R4": 0}
for f in files:
    d = json.load(open(f))
    rt = d["resourceType"]
    name = os.path.basename(f)
    try:
        (Q4B if rt == "Questionnaire" else QR4B).model_validate(d); ok["fhir.resources R4B"] += 1
    except Exception as e:
        print(name, "fhir.resources:", str(e)[:800])
    import warnings
    try:
        with warnings.catch_warnings(record=True) as ws:
            warnings.simplefilter("always")
            getattr(core, rt).model_validate(d); ok["fhircraft R4"] += 1
        for w in ws: print(name, "fhircraft warning:", str(w.message)[:200])
    except Exception as e:
        print(name, "fhircraft:", str(e)[:800])
print(len(files), "documents;", ok)

# An independent Q<->QR consistency check (the HL7 validator's QuestionnaireResponse rules).
qs = {}
for f in files:
    d = json.load(open(f))
    if d["resourceType"] == "Questionnaire":
        qs[d["url"] + "|" + d["version"]] = d
defects = 0
def check(qitems, ritems, path, lang):
    global defects
    ids = [i["linkId"] for i in ritems]
    if len(ids) != len(set(ids)): print(path, "duplicate"); defects += 1
    for ri in ritems:
        qi = next((q for q in qitems if q["linkId"] == ri["linkId"]), None)
        p = path + "/" + ri["linkId"]
        if qi is None: print(p, "unresolved"); defects += 1; continue
        if ri.get("text") != qi.get("text"): print(p, "text differs"); defects += 1
        if qi["type"] == "group":
            if "answer" in ri or not ri.get("item"): print(p, "bad group"); defects += 1
            check(qi["item"], ri["item"], p, lang); continue
        for a in ri.get("answer", []):
            keys = [k for k in a if k.startswith("value")]
            if qi["type"] == "choice":
                if keys != ["valueCoding"]: print(p, "type", keys); defects += 1; continue
                if a["valueCoding"] not in [o["valueCoding"] for o in qi["answerOption"]]:
                    print(p, "not an option", a["valueCoding"]); defects += 1
            elif qi["type"] == "boolean" and keys != ["valueBoolean"]:
                print(p, "type", keys); defects += 1
n = 0
for f in files:
    d = json.load(open(f))
    if d["resourceType"] != "QuestionnaireResponse": continue
    q = qs.get(d["questionnaire"])
    if q is None: print(f, "questionnaire not found", d["questionnaire"]); defects += 1; continue
    if q["language"] != d["language"]: print(f, "language"); defects += 1
    check(q["item"], d["item"], "", d["language"]); n += 1
print(n, "responses checked against their Questionnaire;", defects, "consistency defects")
