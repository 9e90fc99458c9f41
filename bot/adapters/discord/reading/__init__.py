"""The read commands on Discord: the facts cog (/member, /summit, ...), the Find sources message
command and /timeline."""
