"""Daily digests: when each server's post is due (``plan``, pure), which fact it brings
(``_rotation``), the use cases (``service``) and the post (``render``).

Public: ``plan``, ``service``, ``answers``, ``render``; modules named ``_x`` are this feature's
own."""
