"""Well-known coin tickers that may be read when written bare and in lower case ("long btc ..."),
and the full names of well-known coins with the ticker each stands for ("solana": sol).

Upper case or a tag ("BTC", "#btc", "$btc") says a word is a ticker; lower case says nothing, so
only tickers listed here are read bare in lower case, and only in a message shaped as a call
(`lowercase.py` decides). Written from the top coins by market cap and the Binance USDT-M
futures listings (late 2025), plus every base in the bundled markets snapshot
(verzek/exchanges/data/markets_snapshot.json; a test keeps the two in step).
"""

from __future__ import annotations

# Tickers that are no ordinary word in trading chat: read on a clear call (side word beside the
# coin, an entry price, and targets or a stop).
_PLAIN = """
    btc eth bnb sol xrp doge ada avax trx ltc bch xlm matic pol shib pepe bonk floki wif bome
    myro brett mog neiro popcat pnut moodeng chillguy fartcoin pengu ai16z aixbt griffain zerebro
    1000pepe 1000shib 1000bonk 1000floki 1000sats 1000lunc 1000rats 1000xec 1000cat 1000cheems
    1000why 1000000mog 1mbabydoge xmr zec xtz eos qtum iost zil knc zrx snx mkr yfi crv trb
    egld icx storj aave fil rsr lrc cvc ctk axs skl grt 1inch chz ankr bts unfi rvn sfp xem coti
    chr hbar lina stmx celr mtl ogn nkn dgb gtc iotx c98 ata dydx celo klay arpa ctsi lpt ens
    imx api3 jasmy inj stg ldo cvx icp qnt fet fxs rndr astr agix phb gmx cfx stx bnx ach ssv
    ckb lqty arb tlm amb rdnt hft xvs idex uma nmr mav mdt xvg wld pendle arkm agld ygg bnt oxt
    hifi glmr bico strax bigtime stpt waxp bsv rif polyx powr slp snt twt ordi steem ilv ntrn kas
    pyth ustc ong ethw jto movr nfp xai ondo lsk jup dym strk mavia glm axl metis aevo vanry
    ethfi ena tnsr rez zro voxel vidt nuls mbox bsw rpl aergo uxlink kda fida fio cati ghst loka
    hmstr rei eigen scr santos ponke cetus akt slerf scrt morpho kaia acx kmno masa alch cgpt
    melania vtho pippin vvv bera kaito ftm okb cro mnt bgb kcs xdc wbtc gno flr xcn paxg xaut
    luna lunc btt jst ftt wrx gns enj ksm hnt xec
"""
# Tickers that are also ordinary words ("buy link", "long time", "a ton", "near 140", "etc."):
# read only on strong evidence (the call opens the message, the coin is followed by its entry,
# and entries, targets and a stop are all given).
_WORDS = """
    link dot op uni ton sui sei near etc atom apt algo theta flow vet neo iota sand mana bat rose
    kava rune ar cake comp sushi bal ocean people hook magic joe edu cyber ark orbs gas super ace
    pixel portal omni bb banana rare syn sys alpaca sun bel dent lit hot bake mask ant dusk ape
    woo gal spell lever blur rad combo front loom bond auction om troy grass drift swell act hippo
    degen aero orca move bio cookie sonic prom vine hive anime layer red shell form core beam amp
    elf waves band ren ray dodo alpha beta pond audio alice zen reef turbo leo mina gala tia tao
    manta zeta ronin saga lista zk mew hype goat virtual trump cow dogs chess flux quick cos dia
    safe
"""
# Never read bare in lower case, whatever the evidence: words too common in chat to name a coin
# ("one", "time", "just", "high", "any", "key", "fun", "win", "me", "ai", "not", "the", "alt",
# "meme", "token", "id", "io", "ip", "pi", "sc", "ban", "nil", "spx" the S&P 500 index, stable
# coins). They are left out of both lists above; a tag or upper case still names them.
PLAIN_COINS = frozenset(_PLAIN.split())
WORD_COINS = frozenset(_WORDS.split())
KNOWN_COINS = PLAIN_COINS | WORD_COINS

# Full names of well-known coins, as "Solana long entry 150 ..." or "BITCOIN SHORT 65000 ..."
# write them, to the ticker each names (`names.py` reads them). Names that are also ordinary
# English words ("ripple", "avalanche", "optimism", "cosmos", "polygon", "stellar") follow the
# rules of a ticker that is a word. Polygon's coin is POL since Binance swapped MATIC for it
# (September 2024).
_PLAIN_NAMES = {
    "bitcoin": "btc", "ethereum": "eth", "ether": "eth", "solana": "sol", "cardano": "ada",
    "dogecoin": "doge", "polkadot": "dot", "chainlink": "link", "litecoin": "ltc",
    "tron": "trx", "toncoin": "ton", "shiba": "shib", "shiba inu": "shib", "pepe": "pepe",
    "sui": "sui", "aptos": "apt", "arbitrum": "arb", "near protocol": "near", "uniswap": "uni",
    "binance coin": "bnb", "bitcoin cash": "bch", "ethereum classic": "etc", "monero": "xmr",
    "filecoin": "fil", "hedera": "hbar", "injective": "inj", "celestia": "tia", "kaspa": "kas",
    "bittensor": "tao", "dogwifhat": "wif", "worldcoin": "wld", "tezos": "xtz",
    "algorand": "algo", "fantom": "ftm", "internet computer": "icp",
}
_WORD_NAMES = {
    "ripple": "xrp", "avalanche": "avax", "optimism": "op", "cosmos": "atom", "polygon": "pol",
    "stellar": "xlm",
}
COIN_NAMES = {**_PLAIN_NAMES, **_WORD_NAMES}
WORD_NAMES = frozenset(_WORD_NAMES)
