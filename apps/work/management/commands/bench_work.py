"""Benchmark of work management at scale, each path side by side with the naive way:

- the board of a pipeline with 5,000 jobs (first page of each column), selector and page;
- "My work" of one person among 300 staff with 50,000 open tasks, selector and page;
- both pages as whole requests (test client: middleware, permission, view, template),
  side by side with the rendering they had before (`_bench_baseline`); --profile writes
  pyinstrument profiles of them (docs/profiles/work_*_page.txt);
- a routing decision at 300 staff / 50,000 open tasks (workload table vs recounting tasks);
- generating one period of recurring jobs for 10,000 engagements.

Builds its own firm (`bench-work`) with bulk inserts, measures, and drops it unless
--keep. Prints p50/p95/p99 and ratios; results go to docs/benchmarks.md.
"""

from __future__ import annotations

import random
import time
from datetime import timedelta
from decimal import Decimal

from django.conf import settings
from django.core.management.base import BaseCommand
from django.db import connection, reset_queries
from django.db.models import Count, Q, Sum
from django.test import Client as HttpClient
from django.test.utils import override_settings
from django.utils import timezone
from django_tenants.utils import schema_context

from advisoros.bench import Timing, measure, ratio_line
from advisoros.celery import app
from apps.accounts.models import Membership, User
from apps.accounts.roles import Role
from apps.accounts.services import user_create
from apps.firms.models import Firm
from apps.firms.selectors import firm_host
from apps.firms.services import firm_create, firm_delete
from apps.portal.models import Client, Engagement
from apps.work import selectors
from apps.work.models import Job, JobTask, RecurringSchedule, StaffProfile, WorkflowTemplate
from apps.work.periods import week_start
from apps.work.recurring import recurring_jobs_generate
from apps.work.routing import Load, route_choose, routing_candidates, routing_loads
from apps.work.workload import workload_recount

SLUG = "bench-work"
BASELINE_URLCONF = "apps.work.management.commands._bench_baseline"
ROLES = [Role.BOOKKEEPER, Role.STAFF_ACCOUNTANT, Role.SENIOR_ACCOUNTANT, Role.TAX_PREPARER,
         Role.MANAGER]
SKILLS = ["bookkeeping", "tax", "review", "payroll"]


class Command(BaseCommand):
    help = "Benchmark the board, My work, routing and recurring generation (naive side by side)."

    def add_arguments(self, parser):
        parser.add_argument("--jobs", type=int, default=5000)
        parser.add_argument("--staff", type=int, default=300)
        parser.add_argument("--tasks", type=int, default=50000)
        parser.add_argument("--engagements", type=int, default=10000)
        parser.add_argument("--naive-engagements", type=int, default=500)
        parser.add_argument("--runs", type=int, default=200)
        parser.add_argument("--keep", action="store_true", help="Keep the bench firm.")
        parser.add_argument("--only", choices=["all", "pages"], default="all",
                            help="pages: only the whole-page requests (with their data).")
        parser.add_argument("--profile", default="",
                            help="Directory to write pyinstrument profiles of one whole "
                                 "board and My work request into (text).")

    def handle(self, *args, **opts):
        settings.DEBUG = False
        self.out = lambda line: self.stdout.write(line)
        leftover = Firm.objects.filter(slug=SLUG).first()
        if leftover is not None:  # a run that was interrupted
            firm_delete(firm=leftover)
        User.objects.filter(email__endswith=f"@{SLUG}.test").delete()
        owner = user_create(email=f"owner@{SLUG}.test", password=None,
                            full_name="Bench Owner", validate=False)
        firm = firm_create(name="Bench Work CPA", slug=SLUG, owner=owner).firm
        # Automations of generated jobs run inline, so their cost is inside the timing and
        # no message outlives the bench firm.
        app.conf.task_always_eager = True
        try:
            staff_ids = self._staff(firm, opts["staff"])
            with schema_context(firm.schema_name):
                template = WorkflowTemplate.objects.get(library_key="monthly_close")
                self._data(template, staff_ids, opts["jobs"], opts["tasks"])
                if opts["only"] == "all":
                    self._board(template, opts["runs"])
                me = self._my_work(staff_ids, opts["runs"] if opts["only"] == "all" else 10)
                if opts["only"] == "all":
                    self._routing(firm, opts["runs"])
                    self._recurring(firm, template, opts["engagements"],
                                    opts["naive_engagements"])
            self._pages(firm, template, me, opts["runs"], opts["profile"])
        finally:
            app.conf.task_always_eager = False
            connection.set_schema_to_public()
            if not opts["keep"]:
                firm_delete(firm=firm)
                User.objects.filter(email__endswith=f"@{SLUG}.test").delete()

    def _staff(self, firm: Firm, count: int) -> list[int]:
        users = User.objects.bulk_create([
            User(email=f"staff{n}@{SLUG}.test", full_name=f"Staff {n:03d}", is_active=True)
            for n in range(count)])
        Membership.objects.bulk_create([
            Membership(user=user, firm=firm, role=ROLES[n % len(ROLES)], is_active=True)
            for n, user in enumerate(users)])
        return [user.pk for user in users]

    def _data(self, template, staff_ids: list[int], jobs: int, tasks: int) -> None:
        started = time.perf_counter()
        rng = random.Random(7)
        StaffProfile.objects.bulk_create([
            StaffProfile(user_id=uid, weekly_capacity_hours=Decimal(rng.choice([24, 32, 40])),
                         skills=rng.sample(SKILLS, 2)) for uid in staff_ids])
        clients = Client.objects.bulk_create([Client(business_name=f"Bench client {n:05d}")
                                              for n in range(2000)])
        stages = list(template.stages.order_by("position"))
        today = timezone.localdate()
        now = timezone.now()
        made = Job.objects.bulk_create([
            Job(template=template, client=clients[n % len(clients)], name=f"Bench job {n}",
                due_date=today + timedelta(days=rng.randint(-10, 56)),
                stage=stages[n % len(stages)], stage_entered_at=now,
                priority=rng.randint(1, 4), assignee_id=rng.choice(staff_ids))
            for n in range(jobs)], batch_size=2000)
        per_job = max(1, tasks // len(made))
        batch = []
        for job in made:
            for k in range(per_job):
                due = job.due_date - timedelta(days=k)
                batch.append(JobTask(job=job, stage=job.stage, title=f"Task {k}",
                                     estimated_hours=Decimal(rng.choice(["0.5", "1", "2"])),
                                     due_date=due, assignee_id=rng.choice(staff_ids),
                                     required_skill=rng.choice(SKILLS),
                                     workload_week=week_start(due)))
            if len(batch) >= 10000:
                JobTask.objects.bulk_create(batch)
                batch = []
        JobTask.objects.bulk_create(batch)
        workload_recount()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.out(f"data: {len(made):,} jobs, {JobTask.objects.count():,} open tasks, "
                 f"{len(staff_ids)} staff in {time.perf_counter() - started:.1f} s")

    def _board(self, template, runs: int) -> None:
        self.out("\n== board of one pipeline (first 25 cards of each column) ==")
        fast = measure("board_get (3 queries)", lambda i: selectors.board_get(template), runs)
        naive = measure("naive board (count in Python, N+1 cards)",
                        lambda i: _naive_board(template), max(10, runs // 10))
        self.out(fast.row())
        self.out(naive.row())
        self.out(ratio_line(naive, fast))

    def _my_work(self, staff_ids: list[int], runs: int) -> int:
        self.out("\n== My work (one person's open tasks) ==")
        busiest = (JobTask.objects.filter(status="open").values("assignee_id")
                   .annotate(n=Count("id")).order_by("-n").first())
        me = busiest["assignee_id"]
        fast = measure(f"my_work ({busiest['n']} open tasks)", lambda i: selectors.my_work(me),
                       runs)
        naive = measure("naive My work (N+1 job and client)", lambda i: _naive_my_work(me),
                        max(10, runs // 10))
        self.out(fast.row())
        self.out(naive.row())
        self.out(ratio_line(naive, fast))
        return me

    def _routing(self, firm: Firm, runs: int) -> None:
        self.out("\n== routing decision (300 staff, 50,000 open tasks) ==")
        candidates = routing_candidates(firm.pk)
        rng = random.Random(11)
        today = timezone.localdate()
        asks = [(rng.choice(SKILLS), week_start(today + timedelta(days=rng.randint(0, 55))))
                for _ in range(runs)]

        def decide(i: int) -> None:
            skill, week = asks[i]
            qualified = [c for c in candidates if skill in c.skills]
            route_choose(candidates=qualified,
                         loads=routing_loads((c.user_id for c in qualified), week),
                         required_role="", required_skill=skill, hours=Decimal("1"),
                         week=week)

        def naive(i: int) -> None:
            skill, week = asks[i]
            qualified = [c for c in candidates if skill in c.skills]
            ids = [c.user_id for c in qualified]
            rows = (JobTask.objects.filter(assignee_id__in=ids, status="open")
                    .values("assignee_id").annotate(
                        hours=Sum("estimated_hours", filter=Q(
                            due_date__gte=week, due_date__lt=week + timedelta(days=7))),
                        n=Count("id")))
            loads = {r["assignee_id"]: Load(r["hours"] or Decimal("0"), r["n"]) for r in rows}
            route_choose(candidates=qualified, loads=loads, required_role="",
                         required_skill=skill, hours=Decimal("1"), week=week)

        fast = measure("route (workload table, 2 queries)", decide, runs)
        slow = measure("naive route (sum open tasks per decision)", naive, runs)
        self.out(fast.row())
        self.out(slow.row())
        self.out(ratio_line(slow, fast))

    def _recurring(self, firm: Firm, template, engagements: int, naive_count: int) -> None:
        self.out(f"\n== recurring: one period for {engagements:,} engagements ==")
        today = timezone.localdate()
        period = today.replace(day=1)
        clients = Client.objects.bulk_create([Client(business_name=f"Recurring {n:05d}")
                                              for n in range(engagements)], batch_size=5000)
        made = Engagement.objects.bulk_create([
            Engagement(client=c, type="bookkeeping", status="active", start_date=period,
                       fee=Decimal("900")) for c in clients], batch_size=5000)
        RecurringSchedule.objects.bulk_create([
            RecurringSchedule(engagement=e, template=template, frequency="monthly",
                              name="Monthly close", first_period=period, next_period=period)
            for e in made], batch_size=5000)
        started = time.perf_counter()
        created = recurring_jobs_generate(
            today=today, progress=lambda done, total: self.out(f"  {done:,}/{total:,}"))
        seconds = time.perf_counter() - started
        again = recurring_jobs_generate(today=today)
        self.out(f"generated {created:,} jobs in {seconds:.1f} s "
                 f"({seconds / max(created, 1) * 1000:.2f} ms per job); a second run made "
                 f"{again}")
        # Naive: routing candidates reloaded for every job (what job_create does alone).
        from apps.work.services import job_create

        sample = list(RecurringSchedule.objects.select_related("engagement__client")
                      [:naive_count])
        started = time.perf_counter()
        for schedule in sample:
            job_create(template=template, client=schedule.engagement.client,
                       engagement=schedule.engagement, due_date=today, firm_id=firm.pk,
                       name="naive")
        naive_seconds = time.perf_counter() - started
        per_job = naive_seconds / len(sample)
        self.out(f"naive (candidates per job): {per_job * 1000:.2f} ms per job, "
                 f"{per_job * engagements:.1f} s projected for {engagements:,}; ratio "
                 f"{per_job * engagements / seconds:.1f}x")

    def _pages(self, firm: Firm, template, me: int, runs: int, profile_dir: str) -> None:
        self.out("\n== full requests (Django test client, no network) ==")
        from django_otp import DEVICE_ID_SESSION_KEY
        from django_otp.plugins.otp_totp.models import TOTPDevice

        http = HttpClient(HTTP_HOST=firm_host(firm.slug))
        user = User.objects.get(pk=me)
        Membership.objects.filter(user=user, firm=firm).update(role=Role.MANAGER)
        http.force_login(user)
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
        session = http.session
        session[DEVICE_ID_SESSION_KEY] = device.persistent_id
        session.save()

        def get(path: str) -> None:
            response = http.get(path)
            if response.status_code != 200:
                raise RuntimeError(f"{path} answered {response.status_code}")
            reset_queries()

        board = f"/work/board/?template={template.pk}"
        if profile_dir:
            self._profile(get, {"board": board, "my_work": "/work/"}, profile_dir)
        # The same requests, through the same middleware, rendered as before (a form and a
        # CSRF token per card and row): the baseline, side by side.
        pairs = []
        for label, path in (("GET /work/board/ (5,000 jobs)", board),
                            ("GET /work/ (My work)", "/work/")):
            get(path)
            current = self._timed(label, get, path, runs)
            with override_settings(ROOT_URLCONF=BASELINE_URLCONF):
                get(path)
                before = self._timed(f"{label} before", get, path, runs)
            pairs.append((current, before))
        for (current, current_cpu), (before, before_cpu) in pairs:
            self.out(current.row())
            self.out(current_cpu.row())
            self.out(before.row())
            self.out(before_cpu.row())
            self.out(ratio_line(before, current))
        self.out(measure("GET /work/jobs/ (page 1-20)",
                         lambda i: get(f"/work/jobs/?page={1 + i % 20}"), runs).row())
        connection.set_schema_to_public()

    def _timed(self, label: str, get, path: str, runs: int) -> tuple[Timing, Timing]:
        """Wall time per request, and this process's CPU time per request (middleware,
        view, template; not the database server's): on a machine shared with other
        runs, wall time mostly measures waiting for a core, CPU time what the page costs."""
        cpu: list[float] = []

        def one(i: int) -> None:
            started = time.process_time()
            get(path)
            cpu.append((time.process_time() - started) * 1000)

        wall = measure(label, one, runs)
        return wall, Timing("  CPU of this process", cpu)

    def _profile(self, get, paths: dict[str, str], directory: str) -> None:
        from pathlib import Path

        from pyinstrument import Profiler

        for name, path in paths.items():
            get(path)  # warm: compiled templates, session, role caches
            profiler = Profiler(interval=0.0005)
            profiler.start()
            for _ in range(20):
                get(path)
            profiler.stop()
            target = Path(directory) / f"work_{name}_page.txt"
            target.write_text(profiler.output_text(unicode=True, color=False,
                                                   show_all=False))
            self.out(f"profile of 20 x GET {path} -> {target}")


def _naive_board(template) -> list:
    columns = []
    for stage in template.stages.order_by("position"):
        jobs = list(Job.objects.filter(stage=stage).order_by("due_date", "-priority", "id"))
        cards = [(job.client.business_name, job.assignee_id and
                  User.objects.filter(pk=job.assignee_id).values_list("full_name").first())
                 for job in jobs[:25]]
        columns.append((stage.name, len(jobs), cards))
    return columns


def _naive_my_work(user_id: int) -> list:
    tasks = JobTask.objects.filter(assignee_id=user_id, status="open").order_by("due_date")
    return [(t.title, t.job.name, t.job.client.business_name, t.stage.name) for t in tasks
            if t.job.status == "open"]

