"""Everything the bot sends on its own initiative goes out through this package (SPEC §13).

Telegram fails in ordinary ways. What each failure means, and the one answer the bot
gives to it, is this table (``bot.delivery.policy.classify`` decides the row):

==========================  =================  ============================================
Telegram's answer           what we know       what happens
==========================  =================  ============================================
accepted                    delivered          recorded (message id kept for later edits)
429 RetryAfter              not delivered      the rate limiter waits it out and tries
                                               again, at most ``max_retries`` times; all
                                               calls wait meanwhile (``limiter.py``)
connection refused / reset  not delivered      the rate limiter tries again after a short
before the request left                        pause, at most ``max_retries`` times
timeout, 5xx, other         **uncertain**:     never repeated by the limiter; see below
network error               may be delivered
403 Forbidden               blocked            the user is marked blocked; bulk sends skip
                                               them until they write again
400 Bad Request             refused for good   recorded 'failed', logged (never the text)
==========================  =================  ============================================

The limiter is the only place that repeats a *call*. What happens after it gave up
depends on what is being sent:

* **Outbox** (``outbox.py``; receipts, 改约/取消/释放/审核/关闭 notices): a change a
  clerk must learn of. The row is written in the transaction of the change; the
  ``Courier`` sends it right after the commit and, whatever went wrong (not delivered
  or uncertain), again later with backoff (``DeliveryPolicy``) until Telegram
  accepts it — also after a restart. At least once: an uncertain part may arrive
  twice, never zero times. A row is ordered parts (text, ``.ics`` file, photo…);
  an accepted part is recorded at once and never sent again.
* **Notifications** (``bot.delivery.notifications``; reminders, broadcasts): at most
  once per key. An uncertain answer is recorded ``uncertain`` and never resent; one
  known undelivered (429 or connection failures the limiter gave up on) stays
  claimed for the next run of its job. A broadcast recipient is a notification like
  any other (key ``broadcast:<id>:<user>``).
* **Interactive replies** (the panel a clerk is looking at) are best effort: a failure
  after a commit is logged and never stops the outbox.

One rate limiter (``PriorityRateLimiter``) paces every call below Telegram's overall
limit, puts interactive replies ahead of bulk sends and holds bulk sends to the
broadcast rate. Logs name kinds, ids and error classes, never texts.
"""
