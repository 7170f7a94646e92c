"""Jobs: the outbox rows that carry work past a commit, the kinds of job, and who runs them.

- ``kinds``: the job kinds and what a job asks of the outbox when it ends (a leaf: every job imports it);
- ``runner``: the table of kinds to handlers, claiming and finishing a batch, the relay's clock;
- ``relay``: hands committed jobs to RQ, or runs them in this process when Redis is absent;
- ``worker``: the RQ worker that gives each job this process's runtime.

``workers/`` holds only the RQ entry point; nothing here imports it.
"""
