"""Drive `clotcheck console --json` as a person would and save the FHIR documents."""
import json, subprocess, sys, os
BIN = sys.argv[1]; OUT = sys.argv[2]
cases = [
  ("emergency", "en", ["one_leg_swelling", "sudden_breathlessness"], []),
  ("urgent", "en", ["calf_thigh_pain", "long_journey"], []),
  ("soon", "en", ["cramp_walking_eases_rest"], []),
  ("self_care", "en", ["night_cramp_brief"], []),
  ("unsure_several", "en", ["night_cramp_brief"], ["sudden_breathlessness", "chest_pain", "leg_warmth", "on_blood_thinners"]),
  ("german_urgent_unsure", "de", ["one_leg_swelling", "active_cancer"], ["fainting", "leg_redness"]),
  ("spanish_unsure_red_flag", "es", ["both_legs_swelling", "recent_bed_rest"], ["racing_heart"]),
]
class Console:
    def __init__(self, lang):
        self.p = subprocess.Popen([BIN, "console", "--json", "--lang", lang, "--country", "GB"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        self.first = self.read()
    def read(self):
        out = []
        while True:
            m = json.loads(self.p.stdout.readline())
            if m["kind"] == "waiting": return out
            out.append(m)
    def send(self, obj):
        self.p.stdin.write(json.dumps(obj) + "\n"); self.p.stdin.flush(); return self.read()
def walk(c, present, unsure):
    msgs = c.first
    for _ in range(100):
        end = [m for m in msgs if m["kind"] == "emergency" or (m["kind"] == "outcome" and not any(not o["nav"] for o in m["options"]))]
        if end: return end[0]
        q = [m for m in msgs if m["options"]][-1]
        opts = q["options"]
        has = lambda lst, ids: bool(ids) and all(i in lst for i in ids)
        plain = lambda o: not o["nav"] and not o["findings"] and not o["unsure"]
        if q["multi"]:
            pick = [i + 1 for i, o in enumerate(opts) if not o["nav"] and (has(present, o["findings"]) or has(unsure, o["unsure"]))]
        else:
            i = next((i for i, o in enumerate(opts) if not o["nav"] and has(present, o["findings"])), None)
            if i is None: i = next((i for i, o in enumerate(opts) if not o["nav"] and has(unsure, o["unsure"])), None)
            if i is None: i = next((i for i, o in enumerate(opts) if plain(o)), None)
            if i is None: i = next(i for i, o in enumerate(opts) if not o["nav"])
            pick = [i + 1]
        msgs = c.send({"choose": pick})
    raise SystemExit("no end")
for name, lang, present, unsure in cases:
    c = Console(lang)
    end = walk(c, present, unsure)
    r = c.send({"text": "/report"})
    doc = r[0]["fhir"]
    json.dump(doc, open(os.path.join(OUT, f"qr-{name}.json"), "w"), ensure_ascii=False, indent=2)
    codes = [i["answer"][0]["valueCoding"]["code"] for i in doc["item"] if i["linkId"] == "urgency"]
    print(name, lang, end["outcome"]["urgency"], codes, doc["questionnaire"])
    c.p.stdin.close(); c.p.wait()
for lang in ["en", "de", "es"]:
    q = subprocess.run([BIN, "fhir-questionnaire", "--lang", lang], capture_output=True, text=True, check=True).stdout
    open(os.path.join(OUT, f"q-{lang}.json"), "w").write(q)
