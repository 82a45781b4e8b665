"""``qorgau demo`` for the image module: a generated audience survey and six short speeches.

The survey is synthetic and says so in its name: 120 respondents (seeded, so every demo is the
same) rate the ideal leader and two fictional leaders on ten semantic-differential scales, in a
LimeSurvey CSV export (UTF-8 with BOM, every value quoted, ``;``). It is built to show what the
pages show: leader A is strong and decisive but far from the ideal on honesty and care; leader B
is honest, caring and modern but weak; the young rate B higher and the old rate A higher; two
respondents straight-line; about 2 % of answers are blank. The speeches were written for the
demo (in Russian, Kazakh and English) by the project; the leaders are fictional.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import numpy as np
import yaml

from qorgau.image.service import do_add_speech, do_add_survey
from qorgau.image.store import ImageRepository
from qorgau.kernel.context import cli_principal
from qorgau.kernel.db import Database

SEED = 2024
RESPONDENTS = 120
OBJECTS = ("ideal", "leader_a", "leader_b")

# (id, left pole, right pole, factor, reversed); a reversed scale has its "high" pole on the left.
SCALES: tuple[tuple[str, dict[str, str], dict[str, str], str, bool], ...] = (
    (
        "good",
        {"ru": "плохой", "kk": "жаман", "en": "bad"},
        {"ru": "хороший", "kk": "жақсы", "en": "good"},
        "E",
        False,
    ),
    (
        "honest",
        {"ru": "честный", "kk": "адал", "en": "honest"},
        {"ru": "нечестный", "kk": "адал емес", "en": "dishonest"},
        "E",
        True,
    ),
    (
        "fair",
        {"ru": "несправедливый", "kk": "әділетсіз", "en": "unfair"},
        {"ru": "справедливый", "kk": "әділ", "en": "fair"},
        "E",
        False,
    ),
    (
        "caring",
        {"ru": "равнодушный", "kk": "немқұрайлы", "en": "indifferent"},
        {"ru": "заботливый", "kk": "қамқор", "en": "caring"},
        "E",
        False,
    ),
    (
        "strong",
        {"ru": "слабый", "kk": "әлсіз", "en": "weak"},
        {"ru": "сильный", "kk": "күшті", "en": "strong"},
        "P",
        False,
    ),
    (
        "decisive",
        {"ru": "нерешительный", "kk": "шешімсіз", "en": "indecisive"},
        {"ru": "решительный", "kk": "шешімді", "en": "decisive"},
        "P",
        False,
    ),
    (
        "competent",
        {"ru": "компетентный", "kk": "білікті", "en": "competent"},
        {"ru": "некомпетентный", "kk": "біліксіз", "en": "incompetent"},
        "P",
        True,
    ),
    (
        "active",
        {"ru": "пассивный", "kk": "енжар", "en": "passive"},
        {"ru": "активный", "kk": "белсенді", "en": "active"},
        "A",
        False,
    ),
    (
        "energetic",
        {"ru": "вялый", "kk": "сылбыр", "en": "sluggish"},
        {"ru": "энергичный", "kk": "жігерлі", "en": "energetic"},
        "A",
        False,
    ),
    (
        "modern",
        {"ru": "старомодный", "kk": "ескішіл", "en": "old-fashioned"},
        {"ru": "современный", "kk": "заманауи", "en": "modern"},
        "A",
        False,
    ),
)

# Population means on the "high = 7" orientation (after reversal), per object and scale.
PROFILES: dict[str, tuple[float, ...]] = {
    "ideal": (6.5, 6.6, 6.4, 6.0, 6.0, 6.1, 6.5, 5.8, 5.7, 5.9),
    "leader_a": (4.6, 3.9, 4.0, 3.8, 6.1, 5.8, 5.4, 4.9, 4.5, 3.9),
    "leader_b": (5.0, 5.3, 5.1, 5.2, 3.9, 4.0, 4.4, 5.6, 5.9, 6.0),
}
AGE_GROUPS = ("18-34", "35-54", "55+")
# How each age group's ratings of each leader shift (the young prefer B, the old prefer A).
AGE_SHIFT = {
    "18-34": {"ideal": 0.0, "leader_a": -0.5, "leader_b": 0.6},
    "35-54": {"ideal": 0.0, "leader_a": 0.0, "leader_b": 0.0},
    "55+": {"ideal": 0.0, "leader_a": 0.6, "leader_b": -0.5},
}
REGIONS = ("Almaty", "Astana", "Shymkent", "Karaganda", "Aktobe")


def column(object_index: int, scale_index: int) -> str:
    """LimeSurvey's name of an array question's cell: question per object, sub-question per scale."""
    return f"Q{object_index + 1}[SQ{scale_index + 1:03d}]"


def scale_file_text() -> str:
    """The demo survey's scale file (YAML)."""
    document = {
        "objects": list(OBJECTS),
        "scales": [
            {
                "id": scale_id,
                "left": left,
                "right": right,
                "factor": factor,
                "reversed": reversed_flag,
                "columns": {name: column(o, s) for o, name in enumerate(OBJECTS)},
            }
            for s, (scale_id, left, right, factor, reversed_flag) in enumerate(SCALES)
        ],
    }
    header = "# Demo survey: the ideal leader and two fictional leaders on ten scales (Qorgau demo).\n"
    return header + yaml.safe_dump(
        document, allow_unicode=True, sort_keys=False, default_flow_style=None, width=120
    )


def survey_csv(respondents: int = RESPONDENTS, seed: int = SEED) -> bytes:
    """A LimeSurvey CSV export of the generated answers (BOM, every value quoted, ``;``)."""
    rng = np.random.default_rng(seed)
    columns = [column(o, s) for o in range(len(OBJECTS)) for s in range(len(SCALES))]
    header = ["id", "submitdate", "startlanguage", "age_group", "region", *columns]
    rows = []
    start = dt.datetime(2024, 5, 6, 9, 0)
    straight_liners = set(rng.choice(respondents, size=2, replace=False).tolist())
    for number in range(respondents):
        age = str(rng.choice(AGE_GROUPS, p=[0.35, 0.4, 0.25]))
        region = str(rng.choice(REGIONS))
        leniency = rng.normal(0, 0.4)  # some respondents rate everyone higher, some lower
        answers = []
        for name in OBJECTS:
            for s, (_, _, _, _, reversed_flag) in enumerate(SCALES):
                value = PROFILES[name][s] + AGE_SHIFT[age][name] + leniency + rng.normal(0, 0.9)
                answer = int(np.clip(np.rint(value), 1, 7))
                if reversed_flag:
                    answer = 8 - answer  # what the respondent ticked: 1 = the left ("high") pole
                if number in straight_liners and name == "leader_b":
                    answer = 4
                elif rng.random() < 0.02:
                    answers.append("")
                    continue
                answers.append(str(answer))
        submitted = start + dt.timedelta(minutes=int(number * 37 + rng.integers(0, 30)))
        language = "kk" if rng.random() < 0.45 else "ru"
        rows.append([str(number + 1), submitted.isoformat(sep=" "), language, age, region, *answers])
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


SPEECHES: tuple[dict[str, str], ...] = (
    {
        "title": "Послание о задачах на год",
        "speaker": "leader_a",
        "date": "2024-01-15",
        "language": "ru",
        "text": (
            "Дорогие соотечественники! Прошедший год был трудным, но мы выстояли. Я уверен, что наша "
            "экономика будет расти и в этом году. Мы обязательно завершим строительство дорог и школ, "
            "которые обещали.\n\n"
            "Государство должно быть сильным. Без порядка нет развития, поэтому мы укрепим безопасность "
            "границ и наведём порядок в регионах. Я лично буду контролировать каждое решение "
            "правительства.\n\n"
            "Конечно, есть те, кто сомневается. Они говорят, что реформы идут медленно. Но результаты "
            "очевидны: инфляция снизилась, зарплаты учителей и врачей выросли. Мы добились этого вместе, "
            "и я благодарю каждого из вас.\n\n"
            "Нам необходимо повысить доверие граждан к судам и полиции. Коррупции не будет места в "
            "нашей стране. Вы имеете право требовать от власти честной работы, и я обязан отвечать "
            "перед вами.\n\n"
            "Впереди много задач. Я верю, что наш народ справится с любыми испытаниями."
        ),
    },
    {
        "title": "Наурыз мерекесіндегі сөз",
        "speaker": "leader_a",
        "date": "2024-03-22",
        "language": "kk",
        "text": (
            "Құрметті отандастар! Сіздерді Наурыз мерекесімен шын жүректен құттықтаймын. Бұл көктем "
            "мен бірліктің мерекесі.\n\n"
            "Біз бірге көп жетістікке жеттік. Еліміздің экономикасы өсіп келеді, жаңа мектептер мен "
            "ауруханалар салынды. Әрине, алда әлі де көп міндет тұр.\n\n"
            "Мемлекет күшті болуы керек. Біз шекараның қауіпсіздігін қамтамасыз етеміз және тәртіпті "
            "нығайтамыз. Мен әрбір азаматтың өміріне жауаптымын.\n\n"
            "Жастарымыз біздің болашағымыз. Біз оларға білім алуға және жұмыс табуға барлық жағдайды "
            "жасаймыз. Ауыл тұрғындарына қолдау көрсету де басты міндетіміз.\n\n"
            "Бейбітшілік пен келісім – біздің ең үлкен байлығымыз. Мерекелеріңіз құтты болсын!"
        ),
    },
    {
        "title": "Выступление на форуме предпринимателей",
        "speaker": "leader_a",
        "date": "2024-06-10",
        "language": "ru",
        "text": (
            "Уважаемые предприниматели! Я рад видеть в этом зале тех, кто создаёт рабочие места и "
            "платит налоги.\n\n"
            "Государство обязано защищать бизнес от произвола. Мы сократим число проверок вдвое и "
            "отменим устаревшие требования. Каждый чиновник, который мешает честному бизнесу, будет "
            "отвечать по закону.\n\n"
            "Я знаю, что вас беспокоит доступ к кредитам. Мы направим дополнительные средства на "
            "льготные займы для малого бизнеса в регионах. Это решение уже принято.\n\n"
            "Наша цель – чтобы доля малого и среднего бизнеса в экономике достигла половины. Это "
            "амбициозная задача, но мы её безусловно выполним.\n\n"
            "Я жду от вас предложений. Давайте работать вместе, и успех будет общим."
        ),
    },
    {
        "title": "Address to international investors",
        "speaker": "leader_b",
        "date": "2024-02-05",
        "language": "en",
        "text": (
            "Ladies and gentlemen, thank you for coming. We are a young country with an open economy, "
            "and we want you to be part of our growth.\n\n"
            "I believe that trust is built on clear rules. That is why we will publish every public "
            "contract online and let independent courts settle disputes with investors. You deserve "
            "predictable decisions, and we must deliver them.\n\n"
            "Perhaps some of you worry about the pace of reform. I understand that. We have made "
            "mistakes, and we will correct them openly.\n\n"
            "Our priorities are clean energy, digital services and modern schools. We will train "
            "engineers and teachers together with our partners, and we will protect the environment "
            "for our children.\n\n"
            "Together we can build an economy that works for everyone. Our door is open."
        ),
    },
    {
        "title": "Встреча со студентами",
        "speaker": "leader_b",
        "date": "2024-04-18",
        "language": "ru",
        "text": (
            "Друзья, спасибо, что пришли. Я хочу не столько говорить, сколько слушать вас.\n\n"
            "Возможно, кто-то из вас думает уехать учиться или работать за границу. Я понимаю это "
            "желание. Наша задача – сделать так, чтобы вам хотелось вернуться домой.\n\n"
            "Мы предлагаем бесплатный интернет во всех общежитиях, гранты на стартапы и честный "
            "конкурс на государственную службу. Вы должны получать работу за знания, а не за связи.\n\n"
            "Я не обещаю, что всё изменится завтра. Реформы требуют времени и терпения. Но мы будем "
            "открыто отчитываться о каждом шаге, и вы сможете нас проверить.\n\n"
            "Ваше поколение смелее и свободнее нашего. Я надеюсь, что вместе мы построим "
            "справедливую и современную страну."
        ),
    },
    {
        "title": "Жастар форумындағы сөз",
        "speaker": "leader_b",
        "date": "2024-05-30",
        "language": "kk",
        "text": (
            "Қымбатты жастар! Бүгін сіздермен кездескеніме қуаныштымын.\n\n"
            "Сіздер еліміздің ең белсенді және білімді буынысыздар. Біз сіздердің пікірлеріңізді "
            "тыңдап, шешімдерді бірге қабылдағымыз келеді.\n\n"
            "Мүмкін, кейбір реформалар баяу жүріп жатқандай көрінер. Бірақ біз әр қадамымызды ашық "
            "түсіндіреміз. Мемлекеттік қызметке тек білім мен еңбек арқылы жетуге болады.\n\n"
            "Біз жастарға арналған гранттар мен жатақханалар санын көбейтеміз. Цифрлық қызметтер "
            "әрбір ауылға жетуі тиіс.\n\n"
            "Сіздерге сенемін. Бірге әділ және заманауи Қазақстан құрамыз!"
        ),
    },
)


def run(database: Database) -> None:
    """Store the demo survey and speeches, once (a store that already has surveys is left alone)."""
    actor = cli_principal()
    with database.session() as session:
        if ImageRepository(session).survey_count() > 0:
            return
        do_add_survey(
            session,
            actor,
            name="Demo: audience survey, 120 respondents (synthetic)",
            filename="demo_limesurvey_export.csv",
            content=survey_csv(),
            scales_text=scale_file_text(),
            ideal="ideal",
        )
        for speech in SPEECHES:
            do_add_speech(
                session,
                actor,
                title=speech["title"],
                speaker=speech["speaker"],
                language=speech["language"],
                text=speech["text"],
                delivered_on=dt.date.fromisoformat(speech["date"]),
            )
