"""The demo: an organization, an owner with a random password, and a small text project to label at once."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from assay.db.models import Membership, Organization, Project, User
from assay.formats import Record
from assay.schema import DEFAULT_TEXT_SCHEMA
from assay.security.policies import Actor
from assay.services import items, orgs, projects

DEMO_ORG = "Demo"
DEMO_EMAIL = "demo@example.com"
DEMO_PROJECT = "Demo: sentiment and entities"

GUIDELINES = """\
# Sentiment and entities

For each text:

1. **Sentiment** — pick the overall feeling of the writer:
   - *positive*: praise, satisfaction, good news;
   - *negative*: complaints, disappointment, bad news;
   - *neutral*: plain facts, or praise and complaints that cancel out.
2. **Entities** — select every mention of:
   - **PER**: a person ("Maria Lopez", "Dr. Chen");
   - **ORG**: a company, team, agency or school ("Acme Corp", "the United Nations");
   - **LOC**: a city, country, region or landmark ("Lisbon", "the Alps").

Mark the shortest span that names the entity (no leading "the" unless it is part of the name).
When unsure, skip the item rather than guess.
"""

DEMO_TEXTS = (
    "The battery on my new Pixel lasts two full days. Google finally got this right.",
    "Ordered a blender from Amazon and it arrived with a cracked jar. Very disappointed.",
    "Maria Lopez was named chief executive of Iberia Foods on Tuesday, the company said in Madrid.",
    "The hotel staff in Lisbon were friendly, but the room smelled of smoke.",
    "Apple shares rose 3% after the earnings call in Cupertino.",
    "I waited forty minutes on hold with Comcast and then the call dropped.",
    "Our guide, Tomas, made the hike through the Dolomites unforgettable.",
    "The city council of Leeds approved the new cycle lanes by a narrow vote.",
    "This coffee maker from Breville is quiet, fast and easy to clean. Five stars.",
    "Heavy rain closed the main road between Nairobi and Mombasa for a second day.",
    "Customer service at IKEA replaced the missing screws without any fuss.",
    "The sequel is slow, loud and far too long; Christopher Nolan fans will be bored.",
    "Samsung will open a research centre in Toronto next spring, hiring 300 engineers.",
    "My order from Zalando came a day early and fits perfectly.",
    "Dr. Aisha Bello of Lagos University Teaching Hospital warned of a rise in cholera cases.",
    "The train from Paris to Brussels was cancelled again without any explanation from SNCF.",
    "Ferrari confirmed that Charles Leclerc will stay with the team until 2029.",
    "The headphones sound fine but the left ear cup broke within a week.",
    "Spotify raised its prices in Sweden and Norway this month.",
    "Chef Marco Rossi's new restaurant in Milan is the best meal I have had all year.",
    "The printer from HP keeps asking for genuine cartridges. I regret buying it.",
    "Volunteers from the Red Cross delivered water to villages near Aleppo.",
    "The museum in Amsterdam was crowded, but the Rembrandt rooms were worth it.",
    "Tesla recalled 12,000 cars in Germany over a faulty seat-belt warning.",
    "Jane Goodall spoke to a packed hall at Stanford about chimpanzee conservation.",
    "The app from Revolut crashed twice while I was paying at a restaurant in Dublin.",
    "Microsoft and OpenAI announced a new data centre outside Phoenix.",
    "The mattress is firm, supportive and came with a 100-night trial. Happy so far.",
    "Flooding in Bangladesh has displaced more than 200,000 people, the UN said.",
    "The delivery driver from DHL left the parcel in the rain. The book was ruined.",
    "Coach Emma Hayes praised her players after Chelsea won in Barcelona.",
    "The new library in Helsinki is open until midnight and completely free.",
    "I returned the vacuum to Dyson after the motor started whining.",
    "Prime Minister Jacinda Ardern visited Christchurch to meet families of the victims.",
    "Nike's new running shoes are light and comfortable, but the sizing runs small.",
    "Air traffic controllers in France went on strike, grounding flights at Lyon.",
    "The bakery on Main Street in Portland sells out of croissants by nine.",
    "Netflix cancelled the show after one season, leaving the story unfinished.",
    "Professor Kenji Tanaka of Kyoto University won the prize for his work on batteries.",
    "The laptop from Lenovo runs cool and the keyboard is a joy to type on.",
    "Thousands marched through Santiago to demand lower public transport fares.",
    "My Airbnb in Reykjavik had a view of the harbour and a very kind host, Gunnar.",
    "The bank charged me twice for the same transfer and Barclays still has not refunded it.",
    "Siemens signed a deal to build high-speed trains for Egypt.",
    "The guided tour of the Colosseum started late and felt rushed.",
    "Serena Williams opened a tennis academy in Florida for girls from low-income families.",
    "This blender from Ninja crushes ice in seconds. Worth every penny.",
    "The World Health Organization moved its regional meeting from Geneva to Cairo.",
    "Parking near the stadium in Manchester was chaotic and overpriced.",
    "The package arrived on time. It contains what the listing described.",
)


@dataclass(frozen=True, slots=True)
class Demo:
    """The demo as it stands: ``password`` is set only when this call created the owner account."""

    org_id: int
    email: str
    password: str | None
    project_id: int
    created: bool


def ensure_demo(*, session: Session, email: str = DEMO_EMAIL, org_name: str = DEMO_ORG) -> Demo:
    """Create the demo organization, owner and project if missing; never resets an existing password."""
    user = session.scalar(select(User).where(User.email == email))
    password = None
    created = False
    if user is None:
        password = secrets.token_urlsafe(12)
        user = orgs.create_user(session=session, email=email, name="Demo owner", password=password)
        created = True
    org = session.scalar(
        select(Organization)
        .join(Membership, Membership.org_id == Organization.id)
        .where(Membership.user_id == user.id, Membership.role == "owner", Organization.name == org_name)
        .order_by(Organization.id)
        .limit(1)
    )
    if org is None:
        org = orgs.create_org(session=session, name=org_name, owner=user)  # commits the new user too
        created = True
    actor = Actor(user_id=user.id, org_id=org.id, role="owner", email=user.email, user_agent="assay demo")
    project = session.scalar(select(Project).where(Project.org_id == org.id, Project.name == DEMO_PROJECT))
    if project is None:
        project = projects.create_project(
            session=session,
            actor=actor,
            data={
                "name": DEMO_PROJECT,
                "description": "Short reviews and news: pick the sentiment, mark people, organizations, places.",
                "guidelines": GUIDELINES,
                "label_schema": DEFAULT_TEXT_SCHEMA.to_dict(),
                "overlap": 1,
            },
        )
        records = (Record(line=i + 1, data={"text": text}) for i, text in enumerate(DEMO_TEXTS))
        items.import_records(session=session, actor=actor, project=project, records=records, source="demo")
        created = True
    return Demo(org_id=org.id, email=user.email, password=password, project_id=project.id, created=created)
