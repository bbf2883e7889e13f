"""The texts of the synthetic sample, written for this project (no real posts, articles or summaries).

Every post and article below is invented: people, places, numbers and events are made up.
Each post comes with four summaries of deliberately different quality, in tier order:

- ``good``:  accurate, concise, keeps the situation and the question;
- ``okay``:  accurate but leaves out key details;
- ``vague``: so generic it could fit almost any post;
- ``wrong``: fluent, but gets a central fact wrong or drifts off topic.

Each news article has three summaries: ``good``, ``okay`` and ``wrong``.
Summary texts start with a single space, as in OpenAI's data (the model scores " " + text after "TL;DR:").
"""

from __future__ import annotations

POST_TIERS = ("good", "okay", "vague", "wrong")
NEWS_TIERS = ("good", "okay", "wrong")

# (subreddit, title, post, {tier: summary})
POSTS: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "relationships",
        "My (27F) boyfriend (29M) keeps making plans with his friends on our date nights",
        "We agreed months ago that Thursday evenings are ours, since we both work long shifts the rest of "
        "the week. For the last three Thursdays he has texted me around five to say his friends are going "
        "to trivia and asked if I mind. I said it was fine the first time, but now it feels like a pattern. "
        "When I brought it up on Sunday he said I was being dramatic and that I can come along. I don't want "
        "to go to trivia, I want the one night we set aside. How do I bring this up again without a fight?",
        {
            "good": " Boyfriend keeps swapping our agreed Thursday date night for trivia with his friends and called "
                    "me dramatic when I raised it. How do I bring it up again without a fight?",
            "okay": " My boyfriend goes to trivia with his friends on Thursdays and I don't like it.",
            "vague": " Relationship problems with my boyfriend, need advice.",
            "wrong": " My boyfriend wants me to quit my job so we can spend more Thursdays together at trivia, "
                     "what should I do?",
        },
    ),
    (
        "personalfinance",
        "Got my first full-time job at 24 and have no idea what to do with my paycheck",
        "I just started as a lab technician making about $48k a year. I have $6,000 left in student loans at "
        "5% and about $900 in a savings account. My employer offers a 401k match up to 4% but I haven't signed "
        "up yet because the forms confused me. I live with two roommates and my rent is $700. I want to buy a "
        "used car within a year because the bus adds an hour to my commute. What order should I tackle all of "
        "this in?",
        {
            "good": " 24, new job at $48k, $6k of student loans at 5%, little savings, haven't claimed my 401k match, "
                    "want a used car within a year. In what order should I handle these?",
            "okay": " New job, have student loans and want a car. What should I do with my money?",
            "vague": " Money advice please.",
            "wrong": " I make $84k and have $60k in credit card debt, should I skip my 401k to buy a new car?",
        },
    ),
    (
        "legaladvice",
        "[CA] Landlord kept my whole security deposit for 'cleaning' even though I left the place spotless",
        "I moved out of a one-bedroom at the end of last month. I cleaned for two full days and took a video "
        "walkthrough on the last day showing every room. Yesterday I got a letter saying my entire $1,500 "
        "deposit was kept for carpet cleaning and repainting, with no receipts attached. I lived there four "
        "years, so some wear is normal. I emailed the property manager asking for itemized receipts and have "
        "heard nothing back. What are my options, and is small claims worth it?",
        {
            "good": " Landlord kept my full $1,500 deposit for cleaning and painting with no receipts, though I have "
                    "a video of the clean apartment. Is small claims court worth it?",
            "okay": " My landlord didn't give back my deposit after I moved out.",
            "vague": " I have a question about apartments and the law.",
            "wrong": " I damaged the carpet in my apartment and the landlord is suing me for $15,000, should I get "
                     "a lawyer?",
        },
    ),
    (
        "tifu",
        "TIFU by replying all to a company-wide email",
        "This happened this morning. HR sent an email to the whole company, about 400 people, reminding "
        "everyone to submit timesheets. My coworker had just messaged me a joke about our printer, and I meant "
        "to reply to her with 'this printer has a personal vendetta against me.' Instead I hit reply all on "
        "the HR email. Within a minute, people from departments I've never met started replying with their "
        "own printer stories, and the thread went on for two hours. My manager thought it was funny, but the "
        "IT director did not.",
        {
            "good": " Accidentally replied all to a 400-person HR email with a joke about our printer; it set off a "
                    "two-hour thread of printer stories that my manager liked and IT didn't.",
            "okay": " I sent an email to the whole company by mistake.",
            "vague": " Today I made a mistake at work.",
            "wrong": " I got fired for sending a rude email about HR to my manager.",
        },
    ),
    (
        "AskReddit",
        "People who started waking up earlier, was it worth it?",
        "For the past year I've been going to bed around 1am and waking up at 9, right before work starts. "
        "I'm thinking about switching to a 10:30pm bedtime and getting up at 6:30 so I can exercise and make "
        "breakfast instead of rushing. I tried it once for three days and felt terrible by the afternoon. "
        "For people who made the switch, how long did it take before it felt normal, and what actually "
        "helped you stick with it?",
        {
            "good": " I want to move my sleep from 1am-9am to 10:30pm-6:30am so I can exercise in the morning. For "
                    "those who did it, how long did it take to adjust and what helped?",
            "okay": " I want to wake up earlier. Any tips?",
            "vague": " Question about sleep.",
            "wrong": " I've been waking up at 6:30 for a year and want to start sleeping until 9, is that healthy?",
        },
    ),
    (
        "cats",
        "My cat suddenly started sleeping in the bathtub",
        "My cat Pickles is eight years old and has always slept on the end of my bed. About a week ago she "
        "started sleeping in the dry bathtub every night instead. She is eating normally, using the litter "
        "box, and still greets me at the door when I get home. The only thing that changed is that we got a "
        "new, heavier duvet. Is this just a weird cat thing, or should I take her to the vet to be safe?",
        {
            "good": " My 8-year-old cat moved from my bed to sleeping in the bathtub right after we got a new duvet; "
                    "otherwise she's acting normal. Harmless quirk or vet visit?",
            "okay": " My cat sleeps in the bathtub now, is that normal?",
            "vague": " Question about my pet.",
            "wrong": " My cat stopped eating and using the litter box after we got a new dog, should I go to the vet?",
        },
    ),
    (
        "jobs",
        "Is it rude to ask for a week to decide on a job offer?",
        "I got an offer yesterday from a mid-size logistics company for an analyst role. The salary is about "
        "12% more than I make now, but the office is 40 minutes further away. I also have a final-round "
        "interview with another company next Tuesday that I'm more excited about. The recruiter asked me to "
        "give an answer by Friday. Would it look bad to ask for an extension until the following Wednesday, "
        "and how should I word it?",
        {
            "good": " Got an analyst offer due Friday, but I have a final interview I'm more excited about on Tuesday. "
                    "Is it okay to ask for an extension to Wednesday, and how should I word it?",
            "okay": " I got a job offer and want more time to decide.",
            "vague": " Job question, need help.",
            "wrong": " I accepted a job offer last week but want to back out because the pay is 12% lower.",
        },
    ),
    (
        "Cooking",
        "Why does my homemade bread come out dense every time?",
        "I've baked about six loaves of basic white sandwich bread over the past month with the same recipe: "
        "bread flour, instant yeast, salt, water and a bit of butter. The dough rises, but the loaves are "
        "always heavy and tight in the middle. I knead by hand for about eight minutes and let it rise in my "
        "kitchen, which is pretty cold in winter, around 17 degrees C. I bake at 200 degrees for 30 minutes. "
        "What am I doing wrong?",
        {
            "good": " My sandwich bread keeps coming out dense. I knead by hand for 8 minutes and let it rise in a "
                    "cold kitchen. What am I doing wrong?",
            "okay": " My bread is always dense, help.",
            "vague": " Baking question.",
            "wrong": " My sourdough burns on the bottom every time I bake it at 300 degrees, how do I fix my oven?",
        },
    ),
    (
        "college",
        "Failed my first midterm, how do I tell my parents?",
        "I'm a first-year engineering student and I just got 41% on my calculus midterm. I studied, but "
        "mostly by rereading my notes, and the exam questions looked nothing like the homework. My parents "
        "pay part of my tuition and they ask about my grades on every Sunday call. The midterm is worth 25% "
        "of the grade, so I can still pass if I do well on the final. I'm dreading the call this weekend. "
        "Should I tell them now or wait until I have a plan?",
        {
            "good": " First-year engineering student, got 41% on a calculus midterm worth 25% of the grade. My parents "
                    "help with tuition and ask about grades weekly. Tell them now or once I have a plan?",
            "okay": " I failed a calculus midterm and I'm scared to tell my parents.",
            "vague": " School is hard.",
            "wrong": " I failed my calculus final and got dropped from engineering, how do I tell my parents?",
        },
    ),
    (
        "running",
        "Knee pain after increasing mileage for my first half marathon",
        "I'm training for my first half marathon in ten weeks. Two weeks ago I went from about 20 km a week "
        "to 32 km because I was feeling good. Now the outside of my right knee starts hurting around the 5 km "
        "mark of every run, and it goes away about an hour after I stop. I haven't changed shoes, and mine "
        "have roughly 600 km on them. Should I rest completely, cut back, or push through?",
        {
            "good": " Jumped from 20 to 32 km a week training for a half marathon and now the outside of my right knee "
                    "hurts after 5 km. Shoes have 600 km on them. Rest, cut back, or push through?",
            "okay": " My knee hurts when I run. Should I keep running?",
            "vague": " Running problem.",
            "wrong": " I hurt my ankle during my first marathon last weekend and now I can't walk, should I go to "
                     "the ER?",
        },
    ),
    (
        "Parenting",
        "My 4 year old refuses to eat anything that isn't beige",
        "My daughter used to eat almost everything, including broccoli and carrots. Over the past two months "
        "she has narrowed it down to pasta, crackers, bread and chicken nuggets. If anything green touches "
        "her plate she pushes the whole plate away. Her doctor says she is growing fine. I've tried hiding "
        "vegetables in sauces and cutting food into fun shapes, but she notices every time. Is this a phase, "
        "and what has worked for other parents?",
        {
            "good": " My 4-year-old used to eat everything but now only eats pasta, crackers, bread and nuggets. Her "
                    "doctor says she's growing fine. Is it a phase, and what worked for you?",
            "okay": " My daughter is a picky eater, what should I do?",
            "vague": " Kids, am I right?",
            "wrong": " My 4-year-old son only eats broccoli and carrots and refuses pasta, how do I get him to eat "
                     "carbs?",
        },
    ),
    (
        "HomeImprovement",
        "Bathroom fan runs but doesn't seem to pull any air",
        "Our bathroom fan turns on and makes the usual noise, but the mirror still fogs up completely during "
        "every shower, and a tissue held up to the grille doesn't move at all. The house is about 20 years "
        "old. I took the cover off: the blades spin freely and there is a layer of dust on everything. I'm "
        "not sure where the duct goes once it leaves the ceiling. Is this a cleaning job, a blocked duct, "
        "or do I need a new fan?",
        {
            "good": " Bathroom fan spins and hums but pulls no air; the blades are dusty and I don't know where the "
                    "duct goes. Clean it, check for a blocked duct, or replace it?",
            "okay": " My bathroom fan doesn't work well.",
            "vague": " Home repair question.",
            "wrong": " My bathroom fan won't turn on at all and smells like burning, should I call an electrician?",
        },
    ),
    (
        "gardening",
        "Tomato plant leaves turning yellow from the bottom up",
        "This is my first year growing tomatoes. I have three plants in large pots on a sunny balcony and I "
        "water them every morning. Over the last week the lowest leaves have turned yellow and a few have "
        "brown spots. The tops of the plants still look healthy and small green tomatoes are starting to "
        "form. I haven't used any fertilizer yet. Am I overwatering, is it a disease, or do they need feeding?",
        {
            "good": " First-year tomato grower: the lower leaves of my potted plants are yellowing with some brown "
                    "spots, tops look fine. I water daily and haven't fertilized. Overwatering, disease, or hunger?",
            "okay": " My tomato leaves are turning yellow.",
            "vague": " Plants question.",
            "wrong": " My tomato plants have lost all their leaves and I've been fertilizing them every day, are "
                     "they dead?",
        },
    ),
    (
        "JapanTravel",
        "Solo trip for two weeks, is a rail pass still worth it?",
        "I'm planning my first solo trip to Japan this autumn, 14 days in total. The rough plan is Tokyo for "
        "five nights, then Kyoto, Osaka and Hiroshima, and back to Tokyo to fly home. I read that rail pass "
        "prices went up a lot recently. I'm on a fairly tight budget and don't mind slower trains if it saves "
        "money. Has anyone done a similar route recently and found the pass worth it compared to buying "
        "individual tickets?",
        {
            "good": " Two-week solo trip: Tokyo, Kyoto, Osaka, Hiroshima and back. Rail pass prices went up and I'm on "
                    "a budget; is the pass still worth it versus individual tickets?",
            "okay": " Going to Japan, should I get a rail pass?",
            "vague": " Travel advice needed.",
            "wrong": " I'm taking my family to Korea for a week and want to know if renting a car is cheaper than "
                     "flying.",
        },
    ),
    (
        "Advice",
        "My best friend forgot my birthday and I don't know if I should say something",
        "We've been friends since we were twelve, so almost fifteen years. My birthday was on Saturday and she "
        "didn't text or call, even though she posted photos from a concert that night. Last year she planned "
        "a whole dinner for me. I know she just started a new job and has been stressed. Part of me wants to "
        "let it go, but it honestly hurt. Is it petty to bring it up with her?",
        {
            "good": " My best friend of 15 years forgot my birthday this year, though she threw me a dinner last year. "
                    "She's stressed from a new job. Is it petty to bring it up?",
            "okay": " My friend forgot my birthday and I'm hurt.",
            "vague": " Friendship drama.",
            "wrong": " I forgot my best friend's birthday and she posted about it online, how do I apologize?",
        },
    ),
    (
        "techsupport",
        "Laptop fan gets loud whenever I open a browser",
        "My laptop is about three years old. It's quiet when idle, but as soon as I open a browser with more "
        "than a few tabs, the fan gets really loud and the bottom gets hot. Task manager shows the browser "
        "using a lot of memory, but the CPU stays around 30%. I've restarted it and run a virus scan, which "
        "found nothing. Is this normal for an older laptop, or should I clean the fan or reinstall things?",
        {
            "good": " My three-year-old laptop's fan gets loud and hot when I open a browser with a few tabs; the "
                    "virus scan was clean. Normal aging, or should I clean the fan or reinstall?",
            "okay": " My laptop fan is loud, how do I fix it?",
            "vague": " Computer help.",
            "wrong": " My phone overheats and shuts off whenever I play games, is the battery dying?",
        },
    ),
]

# (site, title, article, {tier: summary})
ARTICLES: list[tuple[str, str, str, dict[str, str]]] = [
    (
        "samplenews",
        "Millbrook library reopens after two-year renovation",
        "The public library in the town of Millbrook reopened on Saturday after a two-year renovation that "
        "cost 4.2 million dollars. The building now has a larger children's section, a community kitchen and "
        "solar panels on the roof. Head librarian Ana Ruiz said more than 900 visitors came through the doors "
        "on the first day, almost three times the usual number. The work was paid for mostly by a county "
        "grant, with about 600,000 dollars raised by residents through bake sales and a charity run. The "
        "library will extend its weekend opening hours from next month.",
        {
            "good": " Millbrook's public library reopened after a two-year, $4.2 million renovation funded mostly by a "
                    "county grant, adding a bigger children's section, a kitchen and solar panels. More than 900 "
                    "people visited on the first day.",
            "okay": " A library in Millbrook reopened after being renovated.",
            "wrong": " Millbrook's library closed for two years after a fire, and residents raised $4.2 million to "
                     "rebuild it.",
        },
    ),
    (
        "samplenews",
        "Volunteers count record number of cranes at Lake Harlow",
        "Volunteers at Lake Harlow counted more than 12,000 cranes resting on the shallows last weekend, the "
        "highest number since the annual count began in 1998. The birds stop at the lake for several weeks "
        "each autumn on their way south. Organisers credited a wet summer, which left more feeding ground "
        "around the shoreline, and a new rule that keeps boats away from the northern bank until November. "
        "Around 150 people took part in the count, using binoculars and drones to photograph the flocks. The "
        "results will be shared with regional wildlife groups.",
        {
            "good": " Volunteers counted over 12,000 cranes at Lake Harlow, the most since counting began in 1998, "
                    "helped by a wet summer and a rule keeping boats off the northern bank.",
            "okay": " A lot of cranes were counted at a lake by volunteers.",
            "wrong": " Crane numbers at Lake Harlow fell to a record low this year because boats disturbed the birds.",
        },
    ),
    (
        "samplenews",
        "Eastvale to trial free weekend buses",
        "The city of Eastvale will run its buses free of charge on Saturdays and Sundays for six months "
        "starting in March, council officials announced on Tuesday. The trial will cost about 1.8 million "
        "dollars and aims to reduce traffic in the city centre and help shops that have lost customers. "
        "Officials said weekend ridership has fallen by a fifth since 2019. If the trial raises passenger "
        "numbers by at least 15 percent, the council will consider making it permanent. Some residents asked "
        "whether the money would be better spent on more frequent weekday service.",
        {
            "good": " Eastvale will make weekend buses free for six months from March in a $1.8 million trial to cut "
                    "city-centre traffic and help shops; it may become permanent if ridership rises 15 percent.",
            "okay": " Eastvale is going to trial free buses.",
            "wrong": " Eastvale will make all buses free every day, permanently, from March at a cost of $18 million "
                     "a year.",
        },
    ),
    (
        "samplenews",
        "Northfield High robotics team heads to national final",
        "A team of six students from Northfield High School has qualified for the national robotics final "
        "after their robot won the regional contest on Sunday. The robot, which the team named Bolt, had to "
        "stack crates and cross an obstacle course in under three minutes. The students built it over four "
        "months in the school workshop, often staying until 8pm. Their teacher, Mark Ellis, said the team "
        "rebuilt the robot's arm three times after it failed early tests. The national final takes place in "
        "April, and the school is raising money to pay for travel.",
        {
            "good": " Six Northfield High students qualified for the national robotics final after their robot Bolt "
                    "won the regional contest; the school is raising travel money for the April final.",
            "okay": " A high school robotics team won a competition.",
            "wrong": " Northfield High's robotics team was disqualified from the regional contest after their robot's "
                     "arm broke.",
        },
    ),
]

# Labeller notes, by tier (picked with the seeded generator).
NOTES: dict[str, list[str]] = {
    "good": [
        "Accurate and concise; keeps the main question.",
        "Covers the situation and the ask. Nothing important missing.",
        "Clear and faithful to the post.",
        "Good summary; minor details left out, which is fine.",
    ],
    "okay": [
        "Accurate but leaves out key details.",
        "Gets the gist, but the actual question is missing.",
        "Fine as far as it goes; too short to be useful.",
        "Correct, but the important specifics are gone.",
    ],
    "vague": [
        "Too generic to tell what the post is about.",
        "Could describe almost any post.",
        "Nothing wrong, but nothing specific either.",
    ],
    "wrong": [
        "States things that are not in the post.",
        "Contradicts the post on a key fact.",
        "Fluent, but about a different situation.",
        "Main fact is reversed compared to the text.",
    ],
}
