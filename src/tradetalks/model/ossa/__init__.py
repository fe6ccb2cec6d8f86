"""Ossa (2014), "Trade Wars and Trade Talks with Data", as a second model of the package.

Multi-industry Krugman competition with a fixed measure of firms, CES within industries, one
factor, tariff revenue rebated (:mod:`.equilibrium`, :mod:`.solver`), Ossa's data
(:mod:`.data`) and his three exercises: optimal tariffs, the Nash tariff war
(:mod:`.policy`) and efficient trade talks (:mod:`.talks`).
"""
