"""A small program with hand-picked timestamps around October 2026 (Europe/London), and its expected digest.

London is on BST (UTC+1) until 25 Oct 2026, so October starts at 2026-09-30 23:00 UTC and ends at
2026-11-01 00:00 UTC. Expected numbers in the tests are worked out by hand from the rows below.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlmodel import Session

from storage import models as m
from workflows.states import (AskState, DealOutcome, NominationState, PlacementChannel, ReferralState, ReviewSite,
                              StoryState)

NOW = datetime(2026, 11, 10, 10, 0, tzinfo=UTC)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def build(engine) -> dict:
    with Session(engine, expire_on_commit=False) as s:
        def add(obj):
            s.add(obj)
            s.flush()
            return obj

        acme = add(m.Account(name="Acme", name_key="acme", segment="enterprise", industry="fintech", region="EMEA"))
        beta = add(m.Account(name="Beta", name_key="beta", segment="smb", industry="retail", region="NA"))
        gamma = add(m.Account(name="Gamma", name_key="gamma", segment="smb", industry="retail", region="NA"))
        delta = add(m.Account(name="Delta", name_key="delta", segment="mid-market", industry="healthcare",
                              region="EMEA"))
        dana = add(m.Contact(account_id=acme.id, name="Dana Lee"))

        def win(account, when, who, name):
            return add(m.Win(account_id=account.id, story="x", flagged_by=who, flagged_by_name=name, created_at=at(when)))

        w1 = win(acme, "2026-09-30 23:30", "U1", "Ann")  # 00:30 BST on 1 Oct: October
        w2 = win(beta, "2026-10-05 10:00", "U1", "Ann")
        w3 = win(gamma, "2026-10-10 10:00", "U2", "Bo")
        w4 = win(delta, "2026-10-31 23:30", "U1", "Ann")  # 23:30 GMT on 31 Oct: October
        win(acme, "2026-10-20 12:00", "U3", "Cy")
        w6 = win(gamma, "2026-09-30 22:59", "U2", "Bo")  # 23:59 BST on 30 Sep: September
        w7 = win(beta, "2026-09-10 10:00", "U2", "Bo")
        win(acme, "2026-11-01 00:00", "U1", "Ann")  # November

        def nom(w, when, state=NominationState.ACCEPTED):
            return add(m.Nomination(account_id=w.account_id, win_id=w.id, state=state, owner="U0OWNER",
                                    created_at=at(when)))

        n1 = nom(w1, "2026-10-01 08:00")
        n2 = nom(w2, "2026-10-05 10:00")
        n3 = nom(w3, "2026-10-10 10:00")
        nom(w4, "2026-10-31 23:30", NominationState.PROPOSED)
        n6 = nom(w6, "2026-09-30 22:59", NominationState.PROPOSED)
        n7 = nom(w7, "2026-09-10 10:00")

        def ask(n, account, sent, responded=None, state=AskState.RESPONDED):
            return add(m.Ask(nomination_id=n.id if n else None, account_id=account.id, token_nonce=f"n{sent}",
                             state=state, owner="U0OWNER", created_at=at(sent), sent_at=at(sent),
                             responded_at=at(responded) if responded else None))

        k1 = ask(n1, acme, "2026-10-01 23:30", "2026-10-03 23:30")  # win → ask 1 day, response 2 days
        k2 = ask(n2, beta, "2026-10-07 10:00", "2026-10-08 10:00")  # 2 days, 1 day
        ask(n3, gamma, "2026-10-14 10:00", "2026-11-02 10:00")  # 4 days; answered in November
        k7 = ask(n7, beta, "2026-10-20 10:00", state=AskState.SENT)  # 40 days; no answer yet
        k8 = ask(None, gamma, "2026-09-15 10:00", "2026-09-20 10:00")  # September; no nomination

        def story(k, account, submitted, state, rating=None, approved=None, published=None, contact=None, w=None):
            return add(m.Story(ask_id=k.id if k else None, account_id=account.id, contact_id=contact.id if contact else None,
                               win_id=w.id if w else None, state=state, rating=rating, owner="U0OWNER",
                               created_at=at(submitted), submitted_at=at(submitted),
                               approved_at=at(approved) if approved else None,
                               published_at=at(published) if published else None))

        s1 = story(k1, acme, "2026-10-03 23:30", StoryState.PUBLISHED, 5, "2026-10-05 23:30", "2026-10-06 23:30",
                   dana, w1)  # review 2 days, win → published 6 days
        s2 = story(k2, beta, "2026-10-08 10:00", StoryState.APPROVED, 4, "2026-10-12 10:00", w=w2)  # review 4 days
        s3 = story(k8, gamma, "2026-09-20 10:00", StoryState.PUBLISHED, 3, "2026-09-25 10:00", "2026-11-01 00:00")
        story(None, delta, "2026-10-20 10:00", StoryState.IN_REVIEW)

        def nps(score, when, account=acme):
            add(m.NpsResponse(account_id=account.id, score=score, responded_at=at(when)))

        for score in (10, 9, 8, 6, 0):
            nps(score, "2026-10-15 10:00")
        nps(10, "2026-09-30 23:00")  # midnight BST on 1 Oct: October
        nps(9, "2026-09-15 10:00")
        nps(3, "2026-09-15 10:00", beta)
        nps(10, "2026-07-15 10:00")
        nps(0, "2026-05-15 10:00")
        nps(10, "2026-04-15 10:00")  # before the six-month trend

        add(m.Referral(account_id=acme.id, contact_id=dana.id, code="R1", referred_company="Zed", amount=40000,
                       state=ReferralState.CONVERTED, created_at=at("2026-10-04 10:00"),
                       converted_at=at("2026-10-25 10:00")))
        add(m.Referral(account_id=beta.id, code="R2", referred_company="Yak", created_at=at("2026-10-09 10:00")))
        add(m.Referral(account_id=gamma.id, code="R3", referred_company="Xi", created_at=at("2026-09-05 10:00")))

        def used(st, opp, amount, won, when):
            add(m.DealUsage(story_id=st.id, opportunity_id=opp, amount=amount, won=won, recorded_by="U0SALES",
                            recorded_at=at(when)))

        used(s1, "O1", 100000, True, "2026-10-10 10:00")
        used(s1, "O2", 50000, False, "2026-10-11 10:00")
        used(s2, "O1", 100000, True, "2026-10-12 10:00")
        used(s3, "O3", 20000, False, "2026-09-26 10:00")

        used(s2, "O4", 70000, False, "2026-09-20 10:00")

        def deal(opp, outcome, amount, closed=None, opened=None, created="2026-09-01 10:00"):
            add(m.Deal(opportunity_id=opp, outcome=outcome, amount=amount, closed_at=at(closed) if closed else None,
                       opened_at=at(opened) if opened else None, created_at=at(created), updated_at=at(created)))

        # October: 9 closed, 4 of them with proof (O…); won cycles: O1 80 d, O3 20.5625 d, N1 10 d, N2 122.5625 d
        deal("O1", DealOutcome.WON, 120000, "2026-10-20 10:00", "2026-08-01 10:00")
        deal("O2", DealOutcome.LOST, 50000, "2026-10-25 10:00", "2026-09-01 10:00")
        deal("O3", DealOutcome.WON, 30000, "2026-09-30 23:30", "2026-09-10 10:00")  # 00:30 BST on 1 Oct
        deal("O4", DealOutcome.WITHDRAWN, 70000, "2026-10-15 10:00", "2026-09-15 10:00")
        deal("N1", DealOutcome.WON, 10000, "2026-10-11 10:00", "2026-10-01 10:00")
        deal("N2", DealOutcome.WON, 40000, "2026-10-31 23:30", "2026-07-01 10:00")  # 23:30 GMT on 31 Oct
        deal("N3", DealOutcome.LOST, 25000, "2026-10-05 10:00")
        deal("N7", DealOutcome.LOST, 15000, "2026-10-08 10:00")
        deal("N4", DealOutcome.WITHDRAWN, 5000, "2026-10-06 10:00")
        deal("N5", DealOutcome.WON, 5000, "2026-09-15 10:00", "2026-09-01 10:00")  # September
        deal("N6", DealOutcome.OPEN, 8000)

        def placed(st, channel, when, code):
            return add(m.Placement(story_id=st.id, channel=channel, url="https://x.test", tracked_url="https://x.test",
                                   published_by="U0MARKET", published_at=at(when), code=code))

        web = placed(s1, PlacementChannel.WEBSITE, "2026-10-06 23:30", "web1")
        deck = placed(s1, PlacementChannel.SALES_DECK, "2026-10-07 10:00", "deck1")
        social = placed(s3, PlacementChannel.SOCIAL, "2026-11-01 00:00", "soc1")
        for placement, when in ((web, "2026-10-07 09:00"), (web, "2026-10-08 09:00"), (web, "2026-10-31 23:59"),
                                (web, "2026-11-01 00:00"), (deck, "2026-10-09 09:00"), (deck, "2026-10-10 09:00"),
                                (social, "2026-11-02 09:00")):
            add(m.PlacementClick(placement_id=placement.id, clicked_at=at(when)))

        def reviewed(account, site, url, when, rating=None, k=None):
            add(m.SiteReview(account_id=account.id, ask_id=k.id if k else None, site=site, url=url, rating=rating,
                             confirmed_at=at(when)))

        reviewed(acme, ReviewSite.G2, "https://g2.test/1", "2026-10-07 10:00", 5, k1)  # s1 counted it already
        reviewed(beta, ReviewSite.CAPTERRA, "https://capterra.test/2", "2026-10-09 10:00", 3)
        reviewed(gamma, ReviewSite.TRUSTRADIUS, "https://trustradius.test/3", "2026-10-10 10:00")  # no stars
        reviewed(delta, ReviewSite.G2, "https://g2.test/4", "2026-10-11 10:00", 5)
        reviewed(gamma, ReviewSite.G2, "https://g2.test/5", "2026-09-30 22:30", 4)  # September
        s.commit()
        return {"n6": n6.id, "k7": k7.id}
