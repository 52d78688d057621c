"""Small story texts the tests upload."""

ALLEY = """The Alley Fight

Chapter 1

The villain swung first. Kirishima took the punch on his hardened forearm and shoved the man \
back against the brick wall of the alley, hard enough to knock the breath out of him.

Bakugou did not wait for a signal. He tackled the second attacker to the ground and pinned him \
there while the man kicked and clawed at his arms, shouting for his friends to help him.

"Stay down," Bakugou snarled, and slammed the villain's wrist against the concrete until the \
knife clattered away. The fight was over in under a minute, but his knuckles ached all night.
"""
