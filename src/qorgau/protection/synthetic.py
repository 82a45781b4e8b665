"""Synthetic temporary-protection registrations with known duplicates (seeded), for tests and benchmarks.

No real person is in here: names are drawn from lists of common Ukrainian, Russian, Kazakh and
other first names and surnames (plus surnames built from common Ukrainian roots and suffixes), and
every value is random under a fixed seed. Each row carries the id of the person it belongs to, so
the quality of deduplication can be measured exactly.

The population (people fleeing Ukraine after 24 February 2022, and others)
---------------------------------------------------------------------------
Households, not single persons, are drawn: a mother with one to three children (40%), a single
adult (25%), a mother with children and a grandmother (15%), a couple with children (10%), an
elderly couple (10%). Members share the household's surname (feminine form for women: Іванов /
Іванова, Ковальський / Ковальська, Нұрланов / Нұрланова), its registering state and date (they
register together: the registrations CSV has no address, so "same place, same day" stands for a
shared address), and children take a patronymic from the father's name. In 4% of households with
two or more children two of them are twins (same birth date, often the same sex); children of one
household never share a given name. Relatives are the hard negatives: same surname, same state
and day, different given names and birth dates (twins: the same birth date too).

Origins: Ukrainian nationals with Ukrainian names (77%), Ukrainian nationals who are Russian
speakers (14%: their Cyrillic name is written in its Russian form half of the time: Олександр /
Александр, Андрій / Андрей; 30% of them have a Russian surname), Kazakh nationals (4%), Russian
nationals (2%) and third-country nationals with Latin-script names (3%: Azerbaijani, Georgian,
Moldovan, Indian, Nigerian students and workers who lived in Ukraine; 80% of them alone). About
1,500 Ukrainian surnames (80 common ones, the rest built from roots and suffixes: Бондар →
Бондаренко, Бондарчук, Бондарів…) follow a Zipf–Mandelbrot law (the commonest about 0.8% of
people), as do 100 Kazakh ones (Ахметов, Ахметұлы…); so unrelated namesakes with equal names
occur, as in real registers, and surnames sharing a root differ only in a suffix.

Duplicates: a household registers in one state (78%), two (18%) or three (4%), in different states
weighted by where beneficiaries of temporary protection actually live (Poland and Germany first);
each member takes part in a later registration with probability 0.92. A later registration comes
15–400 days after the earlier one.

The noise model (applied independently to every registration)
-------------------------------------------------------------
- **Script and transliteration**: a name is written in Cyrillic with probability 0.25 (0.5 in
  Bulgaria), otherwise in Latin: Ukrainian names by Ukrainian national 2010 (passports; 0.45),
  ICAO 9303 (0.25), the common Russian spelling (0.15) or a "folk" spelling (0.15: Olexandr,
  Myhailo, Schewtschenko, Iwanow, Tetyana, …); Russian names by ICAO (0.5), Russian common (0.35)
  or folk (0.15); Kazakh names by ICAO (0.5), plain Kazakh Latin (0.2), Russian common (0.15),
  Kazakh Latin 2021 (0.05) or folk (0.1). Latin names are upper case (as in a passport's machine
  zone) with probability 0.4.
- **Russian form** of a Ukrainian given name: 0.1 for Ukrainian speakers, 0.5 for Russian speakers.
- **Patronymic** added to the given names (Олександр Петрович): 0.08 for Ukrainian and Russian
  names.
- **Typos**: 0.05 per name field (one keyboard-neighbour substitution, deletion, doubled letter or
  exchange of adjacent letters, in the script the name is written in).
- **Surname and given name exchanged**: 0.01.
- **Birth date**: day and month exchanged 0.03 (only where the day is 12 or less and differs from
  the month), one digit wrong 0.015, missing 0.005.
- **Document**: adults hold one to three documents (Ukrainian foreign passport FA123456, ID card
  of nine digits, internal passport with a Cyrillic series МЕ123456; Russian, Kazakh passports in
  their formats); children under 14 hold a passport with probability 0.5, otherwise (Ukrainian
  children) a birth certificate (І-КВ 123456) or (others) nothing. A registration records the
  person's preferred document (0.8) or another one, none at all 0.1, a one-digit typo 0.02, a
  Cyrillic series typed in Latin look-alikes 0.5, separators inside the number 0.1; the issuing
  state is missing 0.05.
- **Sex** missing 0.01, wrong 0.003; **nationality** missing 0.01, another one 0.005 (a dual
  citizen, or the country of the document or of residence taken for it).

Output: :func:`generate_registrations` gives :class:`SyntheticRegistration` rows in random order
with ids ``R00000001``…; :func:`write_csv` writes the ``qorgau protection dedupe`` CSV
(optionally with the ``person_id`` truth column, which the command ignores).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path
from typing import IO

from qorgau.kernel.people.domain.transliteration import (
    ICAO_9303,
    KK_LATIN_2021,
    KK_PLAIN,
    RU_COMMON,
    UK_NATIONAL_2010,
    is_cyrillic,
    transliterate,
)
from qorgau.protection.domain.linkage import REGISTRATION_COLUMNS

# --- name pools (Cyrillic; weights are rough frequencies, not statistics) -------------------------

# Ukrainian given names with their Russian forms.
UKRAINIAN_MALE_NAMES: tuple[tuple[str, str], ...] = (
    ("Олександр", "Александр"),
    ("Андрій", "Андрей"),
    ("Сергій", "Сергей"),
    ("Дмитро", "Дмитрий"),
    ("Володимир", "Владимир"),
    ("Микола", "Николай"),
    ("Іван", "Иван"),
    ("Юрій", "Юрий"),
    ("Олег", "Олег"),
    ("Віктор", "Виктор"),
    ("Василь", "Василий"),
    ("Михайло", "Михаил"),
    ("Петро", "Пётр"),
    ("Павло", "Павел"),
    ("Максим", "Максим"),
    ("Артем", "Артём"),
    ("Богдан", "Богдан"),
    ("Тарас", "Тарас"),
    ("Ярослав", "Ярослав"),
    ("Григорій", "Григорий"),
    ("Євген", "Евгений"),
    ("Олексій", "Алексей"),
    ("Віталій", "Виталий"),
    ("Денис", "Денис"),
    ("Роман", "Роман"),
    ("Ігор", "Игорь"),
    ("Анатолій", "Анатолий"),
    ("Костянтин", "Константин"),
    ("Назар", "Назар"),
    ("Кирило", "Кирилл"),
    ("Матвій", "Матвей"),
    ("Данило", "Даниил"),
    ("Степан", "Степан"),
    ("Федір", "Фёдор"),
    ("Валерій", "Валерий"),
    ("Руслан", "Руслан"),
    ("Вадим", "Вадим"),
    ("Геннадій", "Геннадий"),
    ("Леонід", "Леонид"),
    ("Станіслав", "Станислав"),
    ("Тимофій", "Тимофей"),
    ("Ілля", "Илья"),
    ("Марко", "Марк"),
    ("Остап", "Остап"),
    ("Святослав", "Святослав"),
    ("Орест", "Орест"),
    ("Захар", "Захар"),
    ("Єгор", "Егор"),
)
UKRAINIAN_FEMALE_NAMES: tuple[tuple[str, str], ...] = (
    ("Олена", "Елена"),
    ("Ольга", "Ольга"),
    ("Наталія", "Наталья"),
    ("Тетяна", "Татьяна"),
    ("Ірина", "Ирина"),
    ("Світлана", "Светлана"),
    ("Юлія", "Юлия"),
    ("Оксана", "Оксана"),
    ("Марія", "Мария"),
    ("Анна", "Анна"),
    ("Катерина", "Екатерина"),
    ("Людмила", "Людмила"),
    ("Галина", "Галина"),
    ("Вікторія", "Виктория"),
    ("Анастасія", "Анастасия"),
    ("Софія", "София"),
    ("Дарина", "Дарья"),
    ("Валентина", "Валентина"),
    ("Надія", "Надежда"),
    ("Любов", "Любовь"),
    ("Алла", "Алла"),
    ("Інна", "Инна"),
    ("Лариса", "Лариса"),
    ("Яна", "Яна"),
    ("Христина", "Кристина"),
    ("Поліна", "Полина"),
    ("Аліна", "Алина"),
    ("Вероніка", "Вероника"),
    ("Злата", "Злата"),
    ("Мирослава", "Мирослава"),
    ("Єлизавета", "Елизавета"),
    ("Василина", "Василиса"),
    ("Соломія", "Соломия"),
    ("Уляна", "Ульяна"),
    ("Марʼяна", "Марьяна"),
    ("Зоряна", "Зоряна"),
    ("Ніна", "Нина"),
    ("Віра", "Вера"),
    ("Тамара", "Тамара"),
    ("Раїса", "Раиса"),
    ("Діана", "Диана"),
    ("Ангеліна", "Ангелина"),
    ("Каріна", "Карина"),
    ("Олександра", "Александра"),
)
KAZAKH_MALE_NAMES: tuple[str, ...] = (
    "Айдос",
    "Айбек",
    "Арман",
    "Ержан",
    "Нұрлан",
    "Қайрат",
    "Асхат",
    "Бауыржан",
    "Данияр",
    "Ерлан",
    "Жандос",
    "Серік",
    "Тимур",
    "Әлихан",
    "Мұрат",
    "Ғалым",
    "Дәурен",
    "Еркін",
    "Санжар",
    "Нұржан",
)
KAZAKH_FEMALE_NAMES: tuple[str, ...] = (
    "Айгерім",
    "Аружан",
    "Гүлнар",
    "Динара",
    "Жанар",
    "Әсел",
    "Мадина",
    "Сәуле",
    "Балжан",
    "Ақмарал",
    "Аяулым",
    "Камила",
    "Жазира",
    "Гүлжан",
    "Ботагөз",
    "Назерке",
    "Айжан",
    "Перизат",
)
# Third-country nationals who lived in Ukraine (students, workers): surnames, male and female names.
OTHER_NAMES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "AZ": (
        (
            "Mammadov",
            "Aliyev",
            "Huseynov",
            "Hasanov",
            "Guliyev",
            "Ismayilov",
            "Abbasov",
            "Jafarov",
            "Babayev",
            "Rzayev",
            "Karimov",
            "Mustafayev",
            "Suleymanov",
            "Ahmadov",
            "Valiyev",
            "Orujov",
            "Najafov",
            "Safarov",
        ),
        (
            "Rashad",
            "Elvin",
            "Kamran",
            "Vusal",
            "Orkhan",
            "Tural",
            "Farid",
            "Ilkin",
            "Ramil",
            "Elnur",
            "Anar",
            "Rauf",
        ),
        (
            "Aysel",
            "Leyla",
            "Aynur",
            "Gunel",
            "Sevinj",
            "Nigar",
            "Lala",
            "Aytan",
            "Narmin",
            "Ulviyya",
            "Samira",
        ),
    ),
    "GE": (
        (
            "Beridze",
            "Kapanadze",
            "Gelashvili",
            "Lomidze",
            "Maisuradze",
            "Giorgadze",
            "Jorjadze",
            "Tsiklauri",
            "Khutsishvili",
            "Abashidze",
            "Nozadze",
            "Bolkvadze",
            "Mikeladze",
            "Shengelia",
            "Kvaratskhelia",
        ),
        ("Giorgi", "Levan", "Irakli", "David", "Nikoloz", "Zurab", "Tornike", "Lasha", "Davit", "Luka"),
        ("Nino", "Tamari", "Ketevan", "Mariam", "Ana", "Salome", "Natia", "Tamar", "Eka", "Sopo"),
    ),
    "MD": (
        (
            "Rusu",
            "Ceban",
            "Popescu",
            "Munteanu",
            "Cojocaru",
            "Ciobanu",
            "Lungu",
            "Rotari",
            "Sirbu",
            "Turcan",
            "Gutu",
            "Bivol",
            "Melnic",
            "Botnari",
            "Cebotari",
            "Plamadeala",
        ),
        ("Ion", "Mihai", "Vasile", "Andrei", "Alexandru", "Nicolae", "Victor", "Sergiu", "Dumitru", "Vlad"),
        ("Maria", "Elena", "Ana", "Cristina", "Tatiana", "Natalia", "Olga", "Irina", "Doina", "Mihaela"),
    ),
    "IN": (
        (
            "Sharma",
            "Patel",
            "Singh",
            "Kumar",
            "Reddy",
            "Gupta",
            "Verma",
            "Yadav",
            "Nair",
            "Iyer",
            "Mehta",
            "Joshi",
            "Chopra",
            "Rao",
            "Das",
            "Pillai",
            "Mishra",
            "Agarwal",
        ),
        (
            "Rahul",
            "Arjun",
            "Vikram",
            "Rohan",
            "Aditya",
            "Karan",
            "Siddharth",
            "Amit",
            "Nikhil",
            "Varun",
            "Akash",
        ),
        ("Priya", "Ananya", "Kavya", "Sneha", "Pooja", "Divya", "Neha", "Aishwarya", "Shreya", "Meera"),
    ),
    "NG": (
        (
            "Okafor",
            "Adeyemi",
            "Okonkwo",
            "Eze",
            "Balogun",
            "Nwosu",
            "Ogunleye",
            "Adebayo",
            "Chukwu",
            "Ibrahim",
            "Onyeka",
            "Olawale",
            "Nnamdi",
            "Obi",
            "Afolabi",
            "Uche",
        ),
        ("Chinedu", "Emeka", "Tunde", "Ikenna", "Obinna", "Segun", "Chukwudi", "Kelechi", "Femi", "Ifeanyi"),
        ("Ngozi", "Chioma", "Amaka", "Funmilayo", "Adaeze", "Nneka", "Yetunde", "Blessing", "Ifeoma", "Kemi"),
    ),
}


# The most common Ukrainian surnames (rough order), then roots and suffixes for many rarer ones.
UKRAINIAN_SURNAMES: tuple[str, ...] = (
    "Мельник",
    "Шевченко",
    "Коваленко",
    "Бондаренко",
    "Бойко",
    "Ткаченко",
    "Кравченко",
    "Ковальчук",
    "Коваль",
    "Олійник",
    "Шевчук",
    "Поліщук",
    "Іваненко",
    "Ткачук",
    "Савченко",
    "Бондар",
    "Марченко",
    "Руденко",
    "Мороз",
    "Лисенко",
    "Петренко",
    "Клименко",
    "Павленко",
    "Кравчук",
    "Кузьменко",
    "Пономаренко",
    "Савчук",
    "Василенко",
    "Левченко",
    "Харченко",
    "Карпенко",
    "Гончаренко",
    "Литвиненко",
    "Мельничук",
    "Романенко",
    "Мартинюк",
    "Ковальов",
    "Костенко",
    "Кушнір",
    "Гаврилюк",
    "Семенко",
    "Поліщук",
    "Гуменюк",
    "Приходько",
    "Тимошенко",
    "Яковенко",
    "Кириленко",
    "Захарченко",
    "Дмитренко",
    "Юрченко",
    "Гриценко",
    "Стасюк",
    "Зінченко",
    "Ярошенко",
    "Андрієнко",
    "Нестеренко",
    "Гордієнко",
    "Федоренко",
    "Панченко",
    "Вовк",
    "Кравець",
    "Гнатюк",
    "Остапенко",
    "Волошин",
    "Данильченко",
    "Дячук",
    "Мазур",
    "Щербак",
    "Лук'яненко",
    "Гребенюк",
    "Сидоренко",
    "Соловйов",
    "Григоренко",
    "Білик",
    "Лозинський",
    "Ковальський",
    "Заїченко",
    "Єременко",
    "Юзефович",
    "Чорновол",
)
UKRAINIAN_SURNAME_ROOTS: tuple[str, ...] = (
    "Бондар",
    "Гончар",
    "Кравч",
    "Ткач",
    "Шевч",
    "Мельнич",
    "Пасічн",
    "Рибал",
    "Козач",
    "Лис",
    "Вовч",
    "Гор",
    "Гнат",
    "Петр",
    "Іван",
    "Павл",
    "Марч",
    "Остап",
    "Сидор",
    "Кирил",
    "Тимош",
    "Климч",
    "Савч",
    "Яковл",
    "Гриц",
    "Дем'ян",
    "Федор",
    "Мирон",
    "Назар",
    "Стеф",
    "Антон",
    "Нестор",
    "Хом",
    "Оліфір",
    "Панас",
    "Тарас",
    "Юрч",
    "Семен",
    "Карп",
    "Кузьм",
    "Дорош",
    "Голуб",
    "Соколов",
    "Ворон",
    "Бабич",
    "Гуцал",
    "Чуб",
    "Борис",
    "Давид",
    "Гаврил",
    "Зайч",
    "Мартин",
    "Левч",
    "Марк",
    "Трохим",
    "Лук",
    "Прокоп",
    "Ярем",
    "Стах",
    "Корн",
    "Бурлак",
    "Гайдам",
    "Костюк",
    "Шаповал",
    "Кушнір",
    "Чумак",
    "Сердюк",
    "Гребін",
    "Дудар",
    "Скрипн",
    "Колесн",
    "Кондрат",
    "Матвій",
    "Слюсар",
    "Бойч",
    "Москал",
    "Гуз",
    "Жук",
    "Комар",
    "Соловей",
    "Бугай",
    "Стрільч",
    "Пилип",
    "Опанас",
    "Охрім",
    "Гарас",
    "Демч",
    "Заруб",
    "Кучер",
    "Тесл",
    "Шкурат",
    "Довгал",
    "Білоус",
    "Чорн",
    "Сивоконь",
    "Рудич",
    "Ковтун",
    "Гордій",
    "Овчар",
    "Пастух",
    "Дяч",
    "Попович",
    "Войт",
    "Осадч",
    "Грабар",
    "Ярмол",
    "Шульг",
    "Хмар",
    "Вакул",
    "Климент",
    "Максим",
    "Гуляй",
    "Нечипор",
    "Прийм",
    "Руд",
    "Сабад",
    "Тарн",
    "Усат",
    "Фесь",
    "Цибул",
)
UKRAINIAN_SURNAME_SUFFIXES: tuple[str, ...] = (
    "енко",
    "ук",
    "юк",
    "чук",
    "ишин",
    "ів",
    "ський",
    "ець",
    "ич",
    "ко",
    "ан",
    "ак",
)
RUSSIAN_SURNAMES: tuple[str, ...] = (
    "Иванов",
    "Смирнов",
    "Кузнецов",
    "Попов",
    "Васильев",
    "Петров",
    "Соколов",
    "Михайлов",
    "Новиков",
    "Фёдоров",
    "Морозов",
    "Волков",
    "Алексеев",
    "Лебедев",
    "Семёнов",
    "Егоров",
    "Павлов",
    "Козлов",
    "Степанов",
    "Николаев",
    "Орлов",
    "Андреев",
    "Макаров",
    "Никитин",
    "Захаров",
    "Зайцев",
    "Соловьёв",
    "Борисов",
    "Яковлев",
    "Григорьев",
    "Романов",
    "Воробьёв",
    "Сергеев",
    "Кузьмин",
    "Фролов",
    "Жуков",
    "Белов",
    "Тарасов",
    "Гусев",
    "Киселёв",
    "Щербаков",
    "Чернов",
    "Медведев",
    "Ершов",
    "Жаров",
)
# Kazakh surnames are mostly formed from a forefather's name: Ахмет → Ахметов, Жұмабай → Жұмабаев,
# Ғабдулла → Ғабдуллин, or the newer Нұрланұлы / Нұрланқызы.
KAZAKH_SURNAME_ROOTS: tuple[str, ...] = (
    "Ахмет",
    "Омар",
    "Әбен",
    "Жұмабай",
    "Нұрлан",
    "Қасым",
    "Сәрсенбай",
    "Төлеу",
    "Ержан",
    "Мұхамеджан",
    "Бекмұхамбет",
    "Иса",
    "Оспан",
    "Есен",
    "Ғабдулла",
    "Смағұл",
    "Байжан",
    "Құрман",
    "Әли",
    "Дәулет",
    "Серік",
    "Мұрат",
    "Қайрат",
    "Асқар",
    "Бауыржан",
    "Ғалым",
    "Ерлан",
    "Қанат",
    "Жақсылық",
    "Сұлтан",
    "Тұрсын",
    "Мақсат",
    "Айдар",
    "Бақыт",
    "Болат",
    "Дархан",
    "Ермек",
    "Жомарт",
    "Қуаныш",
    "Марат",
    "Нұржан",
    "Рахым",
    "Сағын",
    "Талғат",
    "Темір",
    "Шәріп",
    "Үсен",
    "Әбдірахман",
    "Кенже",
    "Сейіт",
)
# Where beneficiaries of temporary protection lived (rough shares, order of magnitude from Eurostat
# migr_asytpsm 2023; used only to spread synthetic registrations).
REGISTERING_STATES: tuple[tuple[str, float], ...] = (
    ("PL", 0.28),
    ("DE", 0.26),
    ("CZ", 0.09),
    ("ES", 0.04),
    ("IT", 0.04),
    ("BG", 0.04),
    ("SK", 0.03),
    ("RO", 0.03),
    ("NL", 0.02),
    ("AT", 0.02),
    ("LT", 0.02),
    ("IE", 0.02),
    ("FR", 0.02),
    ("PT", 0.015),
    ("BE", 0.015),
    ("LV", 0.01),
    ("EE", 0.01),
    ("FI", 0.01),
    ("SE", 0.01),
    ("DK", 0.01),
    ("HU", 0.01),
)
REFERENCE_DAY = date(2022, 2, 23)  # ages are counted on the eve of the invasion
FIRST_DAY = date(2022, 2, 24)
LAST_DAY = date(2024, 12, 31)

_QWERTY_NEIGHBOURS = {
    "a": "qwsz",
    "b": "vghn",
    "c": "xdfv",
    "d": "serfcx",
    "e": "wsdr",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "i": "ujko",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "m": "njk",
    "n": "bhjm",
    "o": "iklp",
    "p": "ol",
    "q": "wa",
    "r": "edft",
    "s": "awedxz",
    "t": "rfgy",
    "u": "yhji",
    "v": "cfgb",
    "w": "qase",
    "x": "zsdc",
    "y": "tghu",
    "z": "asx",
}
_CYRILLIC_ROWS = ("йцукенгшщзхї", "фівапролджє", "ячсмитьбю")


def _cyrillic_neighbours() -> dict[str, str]:
    neighbours: dict[str, str] = {}
    for row in _CYRILLIC_ROWS:
        for index, letter in enumerate(row):
            neighbours[letter] = row[max(0, index - 1) : index] + row[index + 1 : index + 2]
    return neighbours


_JCUKEN_NEIGHBOURS = _cyrillic_neighbours()

# "Folk" spellings: what people and officers write instead of a table (English, German, Polish habits).
_FOLK_RULES: tuple[tuple[str, str], ...] = (
    ("ks", "x"),
    ("kh", "h"),
    ("ii", "iy"),
    ("iy", "y"),
    ("ia", "ya"),
    ("iu", "yu"),
    ("ie", "ye"),
    ("yi", "i"),
    ("sh", "sch"),
    ("ch", "tsch"),
    ("v", "w"),
    ("y", "i"),
    ("zh", "sh"),
    ("ts", "tz"),
)


@dataclass(frozen=True, slots=True)
class SyntheticRegistration:
    """One synthetic registration: the CSV fields (as text) and the truth (``person_id``).

    ``household_id`` groups relatives; ``noise`` names the noise applied to this row.
    """

    id: str
    surname: str
    given_names: str
    birth_date: str
    sex: str
    nationality: str
    document_number: str
    document_country: str
    registering_state: str
    registration_date: str
    person_id: str
    household_id: str
    noise: tuple[str, ...] = ()

    def csv_row(self) -> list[str]:
        return [getattr(self, column) for column in REGISTRATION_COLUMNS]


@dataclass(slots=True)
class _Person:
    person_id: str
    household_id: str
    origin: str  # "uk", "ru_speaker", "ru", "kk", "other"
    sex: str
    surname: str
    given: str
    given_russian: str | None
    patronymic: str | None
    patronymic_russian: str | None
    birth_date: date
    nationality: str
    documents: list[tuple[str, str]] = field(default_factory=list)


@lru_cache(maxsize=200_000)
def _latin(text: str, scheme: str) -> str:
    return transliterate(text, scheme)


def _weighted(rng: random.Random, options: Sequence[tuple[str, float]]) -> str:
    return rng.choices([option for option, _ in options], weights=[weight for _, weight in options])[0]


def _zipf_weights(count: int, exponent: float = 1.0, offset: int = 0) -> list[float]:
    """Zipf–Mandelbrot weights ``1 / (rank + offset)^exponent`` for ranks 1…count."""
    return [1.0 / (rank + 1 + offset) ** exponent for rank in range(count)]


def _feminine(surname: str) -> str:
    """The feminine form of a surname (Іванов → Іванова, Mammadov → Mammadova; Шевченко, Стефанишин stay)."""
    if surname.endswith(("ишин", "ів")):
        return surname  # Galician -ишин and -ів surnames do not change
    for masculine, feminine in (
        ("ov", "ova"),
        ("ev", "eva"),
        ("ський", "ська"),
        ("цький", "цька"),
        ("ский", "ская"),
        ("цкий", "цкая"),
        ("ов", "ова"),
        ("ев", "ева"),
        ("ёв", "ёва"),
        ("єв", "єва"),
        ("ин", "ина"),
        ("ұлы", "қызы"),
        ("улы", "кызы"),
    ):
        if surname.endswith(masculine):
            return surname[: -len(masculine)] + feminine
    return surname


def _patronymic(father: str, sex: str, russian: bool) -> str:
    """A patronymic from the father's given name (Ukrainian or Russian rules; the common cases)."""
    if father in ("Микола", "Николай"):
        return (
            ("Миколайович" if sex == "M" else "Миколаївна")
            if not russian
            else ("Николаевич" if sex == "M" else "Николаевна")
        )
    if father in ("Ілля", "Илья"):
        return (
            ("Ілліч" if sex == "M" else "Іллівна")
            if not russian
            else ("Ильич" if sex == "M" else "Ильинична")
        )
    if russian:
        if father.endswith("й"):
            return father[:-1] + ("евич" if sex == "M" else "евна")
        if father.endswith("ь"):
            return father[:-1] + ("евич" if sex == "M" else "евна")
        return father + ("ович" if sex == "M" else "овна")
    if father.endswith("й"):
        return father + "ович" if sex == "M" else father[:-1] + "ївна"
    if father.endswith("о"):
        return father[:-1] + ("ович" if sex == "M" else "івна")
    if father.endswith("ь"):
        return father + "ович" if sex == "M" else father[:-1] + "івна"
    return father + ("ович" if sex == "M" else "івна")


def _kazakh_surname(root: str, suffix: str) -> str:
    if suffix == "ұлы":
        return root + "ұлы"
    if root.endswith("й"):
        return root[:-1] + "ев"
    if root.endswith(("а", "е")):
        return root + "ин" if root.endswith("а") else root + "ев"
    return root + "ов"


class _Pools:
    """Weighted pools, built once per generator."""

    def __init__(self) -> None:
        built = [root + suffix for root in UKRAINIAN_SURNAME_ROOTS for suffix in UKRAINIAN_SURNAME_SUFFIXES]
        ukrainian = list(dict.fromkeys(UKRAINIAN_SURNAMES + tuple(built)))
        self.ukrainian_surnames = ukrainian
        self.ukrainian_surname_weights = _zipf_weights(len(ukrainian), 1.0, offset=30)
        self.kazakh_surnames = [
            _kazakh_surname(root, suffix) for root in KAZAKH_SURNAME_ROOTS for suffix in ("ов", "ұлы")
        ]
        self.kazakh_surname_weights = _zipf_weights(len(self.kazakh_surnames), 1.0, offset=10)
        self.russian_surnames = list(RUSSIAN_SURNAMES)
        self.russian_surname_weights = _zipf_weights(len(RUSSIAN_SURNAMES), 0.8)
        self.male = list(UKRAINIAN_MALE_NAMES)
        self.male_weights = _zipf_weights(len(self.male), 0.7)
        self.female = list(UKRAINIAN_FEMALE_NAMES)
        self.female_weights = _zipf_weights(len(self.female), 0.7)


def _pick_origin(rng: random.Random) -> str:
    return _weighted(rng, (("uk", 0.77), ("ru_speaker", 0.14), ("kk", 0.04), ("ru", 0.02), ("other", 0.03)))


def _nationality(origin: str, rng: random.Random) -> str:
    if origin in ("uk", "ru_speaker"):
        return "UA"
    if origin == "kk":
        return "KZ"
    if origin == "ru":
        return "RU"
    return _weighted(rng, (("AZ", 0.25), ("GE", 0.2), ("MD", 0.2), ("IN", 0.2), ("NG", 0.15)))


def _surname_for(origin: str, nationality: str, pools: _Pools, rng: random.Random) -> str:
    if origin in ("uk", "ru_speaker"):
        if origin == "ru_speaker" and rng.random() < 0.3:
            return rng.choices(pools.russian_surnames, pools.russian_surname_weights)[0]
        return rng.choices(pools.ukrainian_surnames, pools.ukrainian_surname_weights)[0]
    if origin == "ru":
        return rng.choices(pools.russian_surnames, pools.russian_surname_weights)[0]
    if origin == "kk":
        return rng.choices(pools.kazakh_surnames, pools.kazakh_surname_weights)[0]
    return rng.choice(OTHER_NAMES[nationality][0])


def _given_for(
    origin: str, nationality: str, sex: str, pools: _Pools, rng: random.Random
) -> tuple[str, str | None]:
    if origin in ("uk", "ru_speaker", "ru"):
        names, weights = (
            (pools.male, pools.male_weights) if sex == "M" else (pools.female, pools.female_weights)
        )
        ukrainian, russian = rng.choices(names, weights)[0]
        return (russian, None) if origin == "ru" else (ukrainian, russian)
    if origin == "kk":
        return rng.choice(KAZAKH_MALE_NAMES if sex == "M" else KAZAKH_FEMALE_NAMES), None
    _, male, female = OTHER_NAMES[nationality]
    return rng.choice(male if sex == "M" else female), None


def _digits(rng: random.Random, count: int) -> str:
    return "".join(rng.choice("0123456789") for _ in range(count))


def _documents(origin: str, nationality: str, age: int, rng: random.Random) -> list[tuple[str, str]]:
    """The person's identity documents (number as printed, issuing state), preferred one first."""
    if age < 14 and rng.random() < 0.5:
        if nationality != "UA":
            return []
        # A Ukrainian child without a passport travels on the birth certificate: series of a Roman
        # numeral and two Cyrillic letters, six digits (І-КВ 123456).
        series = (
            rng.choice(("І", "ІІ", "ІІІ"))
            + "-"
            + rng.choice(("КВ", "ЛВ", "ХА", "ОД", "ДН", "БК", "ЗП", "ВН", "ЧН", "СМ"))
        )
        return [(f"{series} {_digits(rng, 6)}", "UA")]
    documents: list[tuple[str, str]] = []
    if nationality == "UA":
        if rng.random() < 0.7:
            documents.append((rng.choice(("FA", "FE", "FF", "FT", "GA", "EP", "EK")) + _digits(rng, 6), "UA"))
        if age >= 14 and rng.random() < 0.5:
            documents.append((_digits(rng, 9), "UA"))
        if age >= 25 and (not documents or rng.random() < 0.3):
            documents.append(
                (rng.choice(("МЕ", "КВ", "СН", "АА", "ВК", "ЕН", "КА", "ТТ")) + _digits(rng, 6), "UA")
            )
    elif nationality == "RU":
        documents.append((_digits(rng, 2) + " " + _digits(rng, 7), "RU"))
        if rng.random() < 0.4:
            documents.append((_digits(rng, 4) + " " + _digits(rng, 6), "RU"))
    elif nationality == "KZ":
        documents.append(("N" + _digits(rng, 8), "KZ"))
        if rng.random() < 0.5:
            documents.append((_digits(rng, 9), "KZ"))
    else:
        documents.append((rng.choice("ABCPUZ") + _digits(rng, rng.choice((7, 8))), nationality))
    if not documents:
        documents.append((rng.choice(("FA", "FE", "GA")) + _digits(rng, 6), nationality))
    rng.shuffle(documents)
    return documents


def _birth_date(age: int, rng: random.Random) -> date:
    days = age * 365 + rng.randint(0, 364)
    return REFERENCE_DAY - timedelta(days=days)


@dataclass(slots=True)
class _Household:
    household_id: str
    origin: str
    nationality: str
    surname: str
    father: tuple[str, str | None]
    names_taken: set[str] = field(default_factory=set)


class _Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.pools = _Pools()
        self.person_count = 0
        self.household_count = 0

    def person(
        self,
        household: _Household,
        sex: str,
        age: int,
        *,
        child: bool = False,
        birth: date | None = None,
    ) -> _Person:
        rng = self.rng
        origin, nationality = household.origin, household.nationality
        self.person_count += 1
        given, given_russian = _given_for(origin, nationality, sex, self.pools, rng)
        for _ in range(20):  # parents do not give two of their children one name
            if given not in household.names_taken:
                break
            given, given_russian = _given_for(origin, nationality, sex, self.pools, rng)
        household.names_taken.add(given)
        patronymic = patronymic_russian = None
        if origin in ("uk", "ru_speaker", "ru"):
            father = household.father if child else _given_for(origin, nationality, "M", self.pools, rng)
            father_ukrainian, father_russian = father
            russian_origin = origin == "ru"
            patronymic = _patronymic(father_ukrainian, sex, russian_origin)
            if father_russian and not russian_origin:
                patronymic_russian = _patronymic(father_russian, sex, True)
        return _Person(
            person_id=f"P{self.person_count:08d}",
            household_id=household.household_id,
            origin=origin,
            sex=sex,
            surname=_feminine(household.surname) if sex == "F" else household.surname,
            given=given,
            given_russian=given_russian,
            patronymic=patronymic,
            patronymic_russian=patronymic_russian,
            birth_date=birth or _birth_date(age, rng),
            nationality=nationality,
            documents=_documents(origin, nationality, age, rng),
        )

    def household(self) -> list[_Person]:
        rng = self.rng
        self.household_count += 1
        origin = _pick_origin(rng)
        nationality = _nationality(origin, rng)
        household = _Household(
            household_id=f"H{self.household_count:07d}",
            origin=origin,
            nationality=nationality,
            surname=_surname_for(origin, nationality, self.pools, rng),
            father=_given_for(origin, nationality, "M", self.pools, rng),
        )
        kinds: tuple[tuple[str, float], ...] = (
            ("mother_children", 0.40),
            ("single", 0.25),
            ("three_generations", 0.15),
            ("couple_children", 0.10),
            ("elderly_couple", 0.10),
        )
        # Third-country nationals in Ukraine were mostly students and workers living alone.
        kind = "single" if origin == "other" and rng.random() < 0.8 else _weighted(rng, kinds)
        if kind == "single":
            sex = "F" if rng.random() < (0.4 if origin == "other" else 0.6) else "M"
            return [self.person(household, sex, rng.randint(18, 80))]
        if kind == "elderly_couple":
            return [
                self.person(household, "M", rng.randint(60, 85)),
                self.person(household, "F", rng.randint(55, 82)),
            ]
        mother_age = rng.randint(24, 50)
        members = [self.person(household, "F", mother_age)]
        if kind == "couple_children":
            members.append(self.person(household, "M", min(mother_age + rng.randint(-3, 8), 70)))
        if kind == "three_generations":
            members.append(self.person(household, "F", mother_age + rng.randint(20, 30)))
        children = rng.choice((1, 1, 2, 2, 3))
        twins = children >= 2 and rng.random() < 0.04
        previous_birth: date | None = None
        for index in range(children):
            sex = "F" if rng.random() < 0.5 else "M"
            age = rng.randint(0, min(17, mother_age - 18))
            birth = previous_birth if twins and index == 1 else None
            member = self.person(household, sex, age, child=True, birth=birth)
            previous_birth = member.birth_date
            members.append(member)
        return members


def _typo(text: str, rng: random.Random) -> str:
    positions = [index for index, character in enumerate(text) if character.isalpha()]
    if len(positions) < 3:
        return text
    index = rng.choice(positions[1:])
    character = text[index]
    lower = character.lower()
    kind = rng.random()
    if kind < 0.4:
        neighbours = _QWERTY_NEIGHBOURS.get(lower) or _JCUKEN_NEIGHBOURS.get(lower) or ""
        if not neighbours:
            return text
        replacement = rng.choice(neighbours)
        replacement = replacement.upper() if character.isupper() else replacement
        return text[:index] + replacement + text[index + 1 :]
    if kind < 0.6:
        return text[:index] + text[index + 1 :]
    if kind < 0.8:
        return text[:index] + character + text[index:]
    if index + 1 < len(text) and text[index + 1].isalpha():
        return text[:index] + text[index + 1] + character + text[index + 2 :]
    return text[:index] + text[index + 1 :]


def _folk(latin: str, rng: random.Random) -> str:
    lower = latin.lower()
    applicable = [(old, new) for old, new in _FOLK_RULES if old in lower[1:]]
    if not applicable:
        return latin
    old, new = rng.choice(applicable)
    start = lower.index(old, 1)
    result = lower[:start] + new + lower[start + len(old) :]
    return result[:1].upper() + result[1:]


def _render_name(cyrillic: str, origin: str, state: str, rng: random.Random, noise: list[str]) -> str:
    """One registration's spelling of a name (see the noise model in the module docstring)."""
    if origin == "other":
        text = cyrillic  # already Latin
        if rng.random() < 0.4:
            text = text.upper()
        return text
    if rng.random() < (0.5 if state == "BG" else 0.25):
        noise.append("cyrillic")
        return cyrillic
    if origin in ("uk", "ru_speaker"):
        scheme = _weighted(
            rng, ((UK_NATIONAL_2010, 0.45), (ICAO_9303, 0.25), (RU_COMMON, 0.15), ("folk", 0.15))
        )
    elif origin == "ru":
        scheme = _weighted(rng, ((ICAO_9303, 0.5), (RU_COMMON, 0.35), ("folk", 0.15)))
    else:
        scheme = _weighted(
            rng, ((ICAO_9303, 0.5), (KK_PLAIN, 0.2), (RU_COMMON, 0.15), (KK_LATIN_2021, 0.05), ("folk", 0.1))
        )
    if scheme == "folk":
        base = _latin(cyrillic, rng.choice((ICAO_9303, RU_COMMON)))
        text = " ".join(_folk(word, rng) for word in base.split())
        noise.append("folk_spelling")
    else:
        text = _latin(cyrillic, scheme)
        noise.append(scheme)
    if rng.random() < 0.4:
        text = text.upper()
    return text


def _render_date(birth: date, rng: random.Random, noise: list[str]) -> str:
    draw = rng.random()
    if draw < 0.005:
        noise.append("birth_date_missing")
        return ""
    if draw < 0.035 and birth.day <= 12 and birth.day != birth.month:
        swapped = date(birth.year, birth.day, birth.month)
        if swapped <= REFERENCE_DAY:  # a registration system refuses a birth date in the future
            noise.append("day_month_swapped")
            return swapped.isoformat()
    if draw < 0.05:
        for _ in range(5):
            choice = rng.random()
            try:
                if choice < 0.5:
                    wrong = birth.replace(day=(birth.day // 10) * 10 + rng.randint(0, 9))
                else:
                    wrong = birth.replace(year=(birth.year // 10) * 10 + rng.randint(0, 9))
            except ValueError:
                continue
            if wrong != birth and wrong <= REFERENCE_DAY:
                noise.append("birth_date_digit")
                return wrong.isoformat()
    return birth.isoformat()


_TO_LATIN_LOOKALIKES = str.maketrans(
    {
        "А": "A",
        "В": "B",
        "Е": "E",
        "К": "K",
        "М": "M",
        "Н": "H",
        "С": "C",
        "Т": "T",
        "І": "I",
        "Х": "X",
        "О": "O",
    }
)


def _render_document(person: _Person, rng: random.Random, noise: list[str]) -> tuple[str, str]:
    if not person.documents or rng.random() < 0.1:
        noise.append("document_missing")
        return "", ""
    number, country = (
        person.documents[0]
        if rng.random() < 0.8 or len(person.documents) == 1
        else rng.choice(person.documents[1:])
    )
    if any(is_cyrillic(character) for character in number) and rng.random() < 0.5:
        number = number.translate(_TO_LATIN_LOOKALIKES)
        noise.append("document_latin_lookalikes")
    if rng.random() < 0.02:
        digits = [index for index, character in enumerate(number) if character.isdigit()]
        index = rng.choice(digits)
        number = number[:index] + str((int(number[index]) + rng.randint(1, 9)) % 10) + number[index + 1 :]
        noise.append("document_typo")
    if rng.random() < 0.1 and len(number) > 4 and " " not in number:
        number = number[:2] + rng.choice((" ", "-")) + number[2:]
    if rng.random() < 0.05:
        country = ""
        noise.append("document_country_missing")
    return number, country


def _registration(
    person: _Person, state: str, registered: date, rng: random.Random
) -> tuple[list[str], tuple[str, ...]]:
    noise: list[str] = []
    given_cyrillic = person.given
    russian_share = 0.5 if person.origin == "ru_speaker" else 0.1
    use_russian = person.given_russian is not None and rng.random() < russian_share
    if use_russian and person.given_russian is not None and person.given_russian != person.given:
        given_cyrillic = person.given_russian
        noise.append("russian_form")
    if person.patronymic and rng.random() < 0.08:
        patronymic = (
            person.patronymic_russian if use_russian and person.patronymic_russian else person.patronymic
        )
        given_cyrillic = f"{given_cyrillic} {patronymic}"
        noise.append("patronymic")
    surname = _render_name(person.surname, person.origin, state, rng, noise)
    given = _render_name(given_cyrillic, person.origin, state, rng, noise)
    if rng.random() < 0.05:
        surname = _typo(surname, rng)
        noise.append("surname_typo")
    if rng.random() < 0.05:
        given = _typo(given, rng)
        noise.append("given_names_typo")
    if rng.random() < 0.01:
        surname, given = given, surname
        noise.append("names_exchanged")
    sex = person.sex
    draw = rng.random()
    if draw < 0.01:
        sex = rng.choice(("", "U"))
        noise.append("sex_missing")
    elif draw < 0.013:
        sex = "F" if sex == "M" else "M"
        noise.append("sex_wrong")
    nationality = person.nationality
    draw = rng.random()
    if draw < 0.01:
        nationality = ""
        noise.append("nationality_missing")
    elif draw < 0.015:
        # a dual citizen, or the officer took the country of the document or of residence
        nationality = rng.choice(
            [code for code in ("UA", "RU", "KZ", "MD", "BY", "PL") if code != nationality]
        )
        noise.append("nationality_other")
    number, country = _render_document(person, rng, noise)
    row = [
        "",
        surname,
        given,
        _render_date(person.birth_date, rng, noise),
        sex,
        nationality,
        number,
        country,
        state,
        registered.isoformat(),
    ]
    return row, tuple(noise)


def generate_registrations(count: int, seed: int = 2022) -> list[SyntheticRegistration]:
    """``count`` synthetic registrations (seeded, so the same arguments give the same rows).

    Rows come in random order with ids ``R00000001``…; ``person_id`` is the truth. See the module
    docstring for the population and the noise model. Raises :class:`ValueError` for ``count < 0``.
    """
    if count < 0:
        raise ValueError("count must not be negative")
    generator = _Generator(seed)
    rng = generator.rng
    states = [state for state, _ in REGISTERING_STATES]
    state_weights = [weight for _, weight in REGISTERING_STATES]
    drafts: list[tuple[list[str], str, str, tuple[str, ...]]] = []
    while len(drafts) < count:
        members = generator.household()
        visits = _weighted(rng, (("1", 0.78), ("2", 0.18), ("3", 0.04)))
        chosen: list[str] = []
        while len(chosen) < int(visits):
            state = rng.choices(states, state_weights)[0]
            if state not in chosen:
                chosen.append(state)
        offset = min(int(rng.expovariate(1 / 60)), 300)
        registered = FIRST_DAY + timedelta(days=offset)
        for visit, state in enumerate(chosen):
            if visit:
                registered = min(registered + timedelta(days=rng.randint(15, 400)), LAST_DAY)
            for person in members:
                if visit and rng.random() >= 0.92:
                    continue
                row, noise = _registration(person, state, registered, rng)
                drafts.append((row, person.person_id, person.household_id, noise))
    drafts = drafts[:count]
    rng.shuffle(drafts)
    registrations: list[SyntheticRegistration] = []
    for index, (row, person_id, household_id, noise) in enumerate(drafts, start=1):
        registrations.append(
            SyntheticRegistration(
                **dict(zip(REGISTRATION_COLUMNS, [f"R{index:08d}", *row[1:]], strict=True)),
                person_id=person_id,
                household_id=household_id,
                noise=noise,
            )
        )
    return registrations


def truth(registrations: Iterable[SyntheticRegistration]) -> dict[str, str]:
    """Registration id → person id."""
    return {registration.id: registration.person_id for registration in registrations}


def write_csv(
    registrations: Iterable[SyntheticRegistration], target: Path | IO[str], *, with_truth: bool = False
) -> None:
    """Write the dedupe CSV (UTF-8, header :data:`REGISTRATION_COLUMNS`, plus ``person_id`` if asked)."""
    if isinstance(target, Path):
        with target.open("w", encoding="utf-8", newline="") as stream:
            write_csv(registrations, stream, with_truth=with_truth)
        return
    writer = csv.writer(target, lineterminator="\n")
    writer.writerow([*REGISTRATION_COLUMNS, *(["person_id"] if with_truth else [])])
    for registration in registrations:
        writer.writerow([*registration.csv_row(), *([registration.person_id] if with_truth else [])])
