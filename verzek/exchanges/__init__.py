"""Exchange adapters behind one interface: ccxt (Binance, Bybit, Phemex), Coinexx, paper."""
