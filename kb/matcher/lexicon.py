"""A small bilingual lexicon of a shop's support chat: words that mean the same thing
to a customer (a synonym, slang, the other language) share a *concept*. The matcher
adds each word's concepts to its terms, so "учетка", "аккаунт" and "account" meet, and
an English question finds an article through its Russian phrasings too.

Words are written in any form: they are turned into lemmas and stems when loaded. The
lexicon is general vocabulary of e-commerce support, not phrasings of any question.
"""

from __future__ import annotations

import functools

from kb.matcher import terms as termlib

CONCEPTS: dict[str, str] = {
    "delivery": """доставка доставить доставлять привезти привозить везти возить курьер
        курьерский отправка отправить отправлять прислать посылка shipping ship deliver
        delivery courier send parcel""",
    "cost": """стоимость стоить цена платный бесплатный бесплатно тариф сколько
        cost price charge fee free much""",
    "when": """срок быстро долго скоро когда день неделя сегодня завтра время ждать
        time long fast quick soon when day week today tomorrow wait""",
    "region": """город страна регион область край россия деревня поселок село
        международный зарубеж заграница снг country city region town village abroad
        international worldwide""",
    "change": """перенести перенос поменять изменить сменить исправить заменить замена
        редактировать поправить change reschedule move edit update modify replace swap
        correct""",
    "address": "адрес дом квартира улица подъезд address street apartment",
    "pickup": """самовывоз забрать пункт выдача пвз постамат хранение хранить
        pickup pick collect hold""",
    "install": """установка установить устанавливать подключение подключить подключать
        монтаж монтировать смонтировать повесить мастер встраиваемый install installation
        setup mount connect""",
    "appliance": """стиральный стиралка посудомойка посудомоечный холодильник холодос
        кондиционер духовка варочный плита микроволновка washer washing dishwasher fridge
        refrigerator oven conditioner""",
    "order": """заказ заказать дозаказать оформить оформление покупка купить приобрести
        order purchase buy checkout""",
    "status": "статус отследить отслеживание трек этап track tracking status",
    "cancel": """отменить отмена отказаться отказ аннулировать передумать
        cancel cancellation""",
    "damaged": """разбитый разбить повреждённый повредить повреждение помятый царапина
        треснуть треснутый трещина сломанный битый вмятина damaged damage broken cracked crack
        scratch dent smashed""",
    "wrong_item": """перепутать не_хватать отсутствовать недостача комплект комплектация
        вместо другой wrong missing incomplete instead""",
    "payment": """оплата оплатить платить заплатить платеж карта наличные наличка сбп
        терминал visa mastercard мир pay payment card cash terminal""",
    "failure": """ошибка отказ отклонить отклонено зависнуть блокировать заблокировать
        списать списаться declined decline fail failed failing error charged stuck""",
    "refund": """деньги средства вернуть вернуться возврат компенсация refund money back
        reimburse""",
    "installment": """рассрочка кредит частями частично ежемесячный переплата взнос
        installment instalment credit loan monthly split""",
    "receipt": "чек квитанция документ бумажный receipt paperwork",
    "return": "возврат вернуть сдать обратно return send back",
    "defect": """брак бракованный неисправный неисправность сломаться ломаться перестать
        включаться греть дефект заводской defective faulty fault broken malfunction""",
    "warranty": "гарантия гарантийный талон warranty guarantee",
    "repair": """ремонт починить чинить отремонтировать сервис сервисный диагностика
        repair fix service diagnostics""",
    "protection": """страховка страхование защита дополнительный расширенный продлить
        insurance protection extended extend accidental""",
    "login": """войти вход зайти авторизоваться авторизация логин пароль login log sign
        signin password""",
    "account": """профиль аккаунт учетка учетный кабинет личный регистрация
        account profile""",
    "personal": """данные персональный имя фамилия почта email mail телефон номер дата
        рождение name email data info information personal details""",
    "delete": "удалить удаление стереть закрыть отозвать delete remove erase close",
    "unsubscribe": """отписаться отписка рассылка спам уведомление пуш реклама
        рекламный новость письмо unsubscribe newsletter mailing spam notification
        promotional promo emails""",
    "bonus": """бонус балл кэшбэк кешбэк лояльность начислить начисление зачислить
        зачисляться bonus point loyalty cashback reward""",
    "promo": "промокод купон код скидка promo coupon discount code voucher",
    "cheaper": """подешеветь снизиться упасть дешевле разница акция распродажа снижение
        drop dropped cheaper difference sale adjustment lower""",
    "gift": "подарочный сертификат подарок gift certificate voucher",
    "business": """юрлицо юридический организация компания ип ндс опт оптовый оптом
        безнал безналичный счет бухгалтерия эдо офис закупка закупить business company
        corporate wholesale bulk invoice vat organisation organization""",
    "store": """магазин филиал точка торговый центр store shop location branch near""",
    "hours": """работать режим график открытый открываться закрываться
        круглосуточно час воскресенье суббота выходной праздник праздничный вечер утро
        hours open close opening closing sunday saturday weekend holiday""",
    "stock": "наличие склад остаться stock available availability",
    "restock": """поступление предзаказ появиться закончиться новинка уведомить
        сообщить забронировать restock preorder notify reserve""",
    "trade_in": """трейд трейдин зачет старый обмен доплата бу trade tradein old
        exchange""",
    "genuine": """оригинал оригинальный подделка копия официальный серый ростест
        параллельный импорт сертифицированный восстановленный genuine authentic
        original fake official grey gray counterfeit refurbished""",
    "support": """поддержка горячий линия позвонить звонить связаться оператор телефон
        почта support contact call phone hotline email""",
    "site": "сайт интернет приложение онлайн website site online app",
    "register": "регистрация зарегистрироваться регистрироваться register account",
    "checkout": "касса ценник кассир прилавок витрина shelf till checkout tag",
    "confirm": """подтверждение подтвердить принять принятый прийти письмо смс sms
        confirmation confirm received""",
    "product": """телефон смартфон айфон ноутбук ноут телевизор планшет наушники
        пылесос монитор техника товар устройство phone smartphone iphone laptop tv
        tablet headphones vacuum monitor device item product""",
}


@functools.cache
def concepts_of() -> dict[str, tuple[str, ...]]:
    """Each term (lemma or stem) and the concepts it belongs to."""
    found: dict[str, list[str]] = {}
    for concept, words in CONCEPTS.items():
        for word in words.split():
            term = termlib.term(word.replace("_", " ").split()[-1])
            if concept not in found.setdefault(term, []):
                found[term].append(concept)
    return {term: tuple(names) for term, names in found.items()}


def expand(terms: list[str]) -> list[str]:
    """The terms followed by the concepts they belong to (as ``~concept``)."""
    table = concepts_of()
    tags = [f"~{name}" for term in terms for name in table.get(term, ())]
    return terms + tags
