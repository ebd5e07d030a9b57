"""xueji 学籍: the electronic student-status system of a district."""

__version__ = "0.1.0"
