#!/usr/bin/env python3
"""Writes the seed corpora of tests/fuzz/corpus/<target>/ from the documented shapes
(docs/invoicebox-api.md §1.5, §2, §5, §8 and the plugin_api schemas) and the test fixtures.

Run once when the shapes change; the files it writes are committed. The fixtures are read from
the test headers (raw string literals), so a fixture that changes there is picked up here.
"""
import hashlib, hmac, json, os, re, sys

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', '..'))
OUT = os.path.join(ROOT, 'tests', 'fuzz', 'corpus')
MARK = '\n--fuzz--\n'
KEY = 'fuzz-signing-key'            # support/fuzz_host.hpp api_key
MERCHANT = '3f2b8c9e-1a2b-4c3d-9e8f-7a6b5c4d3e2f'
MOID = 'FUZZ00-F-1-1'


def raw_literal(rel, name):
    """The R"json(...)json" (or R"(...)") literal of `name` in a test header, or None."""
    path = os.path.join(ROOT, rel)
    if not os.path.exists(path):
        return None
    text = open(path, encoding='utf-8').read()
    m = re.search(re.escape(name) + r'\s*=\s*R"(\w*)\((.*?)\)\1"', text, re.S)
    return m.group(2) if m else None


def write(target, name, content):
    d = os.path.join(OUT, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, name), 'wb') as f:
        f.write(content.encode('utf-8') if isinstance(content, str) else content)


def compact(obj):
    # As InvoiceBox writes: raw UTF-8, `/` as `\/`.
    return json.dumps(obj, ensure_ascii=False, separators=(',', ':')).replace('/', '\\/')


create_81 = raw_literal('tests/invoicebox_protocol/fixtures.hpp', 'create_response_81')
error_81 = raw_literal('tests/invoicebox_protocol/fixtures.hpp', 'error_422_81')
request_81 = raw_literal('tests/invoicebox_protocol/fixtures.hpp', 'create_request_81')
notif_82 = raw_literal('tests/invoicebox_protocol/notification_body.hpp', 'notification_82')
folio_doc = raw_literal('tests/invoicebox_plugin/test_shop.hpp', 'folio_doc')

# ---- money -------------------------------------------------------------------------------
for i, n in enumerate(['0', '0.1', '2490.5', '415.08', '1550', '67680.00', '1.55E3', '1e2', '-0.01',
                       '0.123', '01', '1.', '.5', '+1', '1e', '10000000000000', '10000000000000.01',
                       '1200.3000000000002', '9223372036854775807', '-9223372036854775808', '1E-2',
                       '0.000001', '3', '1.25E1', '0e999999']):
    write('money', f'seed-{i:02d}', n)

# ---- json ----------------------------------------------------------------------------------
for i, doc in enumerate([x for x in [create_81, error_81, request_81, notif_82, folio_doc] if x] +
                        ['{"a":"\\u00e9\\/\\ud83d\\ude00","b":[1,-0.5e+3,true,false,null],"a":2}', '[]', '""']):
    write('json', f'seed-{i:02d}', doc)

# ---- codecs --------------------------------------------------------------------------------
order_notif = json.loads(notif_82) if notif_82 else {}
page = {'data': [order_notif], 'extendedData': [], 'metaData': {'totalCount': 3, 'pageSize': 1, 'page': 1}}
refund = {'id': 'r-1', 'parentId': order_notif.get('id', 'o'), 'description': 'Возврат', 'merchantOrderId': 'R-1',
          'merchantId': MERCHANT, 'amount': 300, 'vatAmount': 50, 'currencyId': 'RUB',
          'basketItems': order_notif.get('basketItems', [])[1:], 'createdAt': '2024-11-06T09:12:40+00:00',
          'status': 'created'}
codec_seeds = [
    ('auth 200', 'Content-Type: application/json', '{"data":{"userId":"u-1"},"extendedData":[]}'),
    ('auth 200', '', '{"data":{"userId":null},"extendedData":[]}'),
    ('order 200', 'Content-Type: application/json\nX-Request-Id: abc', create_81 or '{}'),
    ('order 200', '', '{"data":' + (notif_82 or '{}') + ',"extendedData":[]}'),
    ('orders 200', '', compact(page)),
    ('orders 200', '', '{"data":[],"extendedData":[],"metaData":{"totalCount":0,"pageSize":100,"page":1}}'),
    ('items 200', '', compact({'data': order_notif.get('basketItems', []), 'extendedData': []})),
    ('refund 200', '', compact({'data': refund, 'extendedData': []})),
    ('refunds 200', '', compact({'data': [refund], 'extendedData': [], 'metaData': {'totalCount': 1, 'pageSize': 50, 'page': 1}})),
    ('error 422', 'Content-Type: application/json', error_81 or '{}'),
    ('error 401', '', '{"error":{"message":"Unauthorized","code":"unauthorized"}}'),
    ('error 422', '', '{"code":"merchant_order_id_duplicate","message":"flat shape"}'),
    ('error 429', 'Retry-After: 120', '{"error":{"code":"too_many_requests","message":"slow down"}}'),
    ('error 503', 'Retry-After: Wed, 21 Oct 2015 07:28:00 GMT', '<html><body>502 Bad Gateway</body></html>'),
    ('envelope 200', 'Retry-After: 5', '{"error":{"code":"wrong_order_status","message":"in a 2xx"}}'),
    ('envelope 200', '', 'not json'),
]
for i, (head, headers, body) in enumerate(codec_seeds):
    write('codecs', f'seed-{i:02d}', head + MARK + headers + MARK + body)

# ---- notification --------------------------------------------------------------------------
def fuzz_order(**over):
    o = {'id': 'ord-1', 'description': 'Предоплата', 'currencyId': 'RUB', 'amount': 67680, 'vatAmount': 10200.91,
         'basketItems': [{'sku': 'L1', 'name': 'Проживание, стандарт', 'measure': 'шт.', 'measureCode': '796',
                          'quantity': 2, 'amount': 28840, 'amountWoVat': 24033.33, 'totalAmount': 57680,
                          'totalVatAmount': 9613.33, 'vatCode': 'RUS_VAT20', 'type': 'service',
                          'paymentType': 'full_prepayment'}],
         'merchantId': MERCHANT, 'status': 'completed', 'subtype': 'order',
         'createdAt': '2025-05-12T10:00:00+00:00', 'paidAt': '2025-05-12T10:05:00+00:00',
         'merchantOrderId': MOID, 'merchantOrderIdVisible': MOID, 'expirationDate': '2025-05-15T10:00:00+00:00',
         'fileIds': [], 'paymentUrl': 'https://pay.test/ord-1', 'languageId': 'ru', 'processable': True}
    o.update(over)
    return compact(o)

notif_seeds = [
    ('notify', 'Content-Type: application/json\nX-Signature: @sign@', fuzz_order()),
    ('notify', 'x-signature: @sign@', fuzz_order(amount=100)),
    ('notify', 'X-Signature: @sign@', fuzz_order(status='canceled')),
    ('notify', 'X-Signature: @sign@', fuzz_order(status='expired')),
    ('notify', 'X-Signature: @sign@', fuzz_order(currencyId='USD')),
    ('notify', 'X-Signature: @sign@', fuzz_order(merchantId='00000000-0000-0000-0000-000000000000')),
    ('notify', 'X-Signature: @sign@', fuzz_order(merchantOrderId='OTHER-1')),
    ('notify', 'X-Signature: @sign@', fuzz_order(id='ffffffff-ffff-ffff-ffff-ffffffffffff', merchantOrderId='')),
    ('notify/le/le-2', 'X-Signature: @sign@', fuzz_order(merchantId='11111111-2222-3333-4444-555555555555')),
    ('notify/le/nope', 'X-Signature: @sign@', fuzz_order()),
    ('notify', 'Content-Type: application/json', fuzz_order()),
    ('notify', 'X-Signature: 0000000000000000000000000000000000000000', fuzz_order()),
    ('notify', 'X-Signature: @sign@', '{"id":'),
]
if notif_82:
    notif_seeds.append(('notify', 'X-Signature: a4f2f1735dc956ce9e8a8b02739c00596b0702a9', notif_82))
    notif_seeds.append(('notify', 'X-Signature: @sign@', notif_82))
for i, (route, headers, body) in enumerate(notif_seeds):
    write('notification', f'seed-{i:02d}', route + MARK + headers + MARK + body)

# ---- view_event ----------------------------------------------------------------------------
def ev(action, kind='button', values=None, row_key=None, table=None):
    e = {'schema': 'pms.view-event/1', 'view_session_id': 's1', 'property_id': 'hotel-1', 'folio_id': 'F-1',
         'kind': kind, 'action': action, 'values': values or {}, 'staff': {'id': 'u7', 'name': 'Мария'}}
    if row_key is not None:
        e['row_key'] = row_key
        e['table'] = table or 'links'
    return json.dumps(e, ensure_ascii=False)

form = {'amount': '1000,50', 'description': 'Предоплата', 'message_template': 'Оплатите {amount} по ссылке {link} ({hotel}, {guest_name})',
        'lifetime': '24h', 'send_mail': True}
view_seeds = [
    [ev('create')], [ev('create_other')], [ev('back')], [ev('refresh')],
    [ev('create'), ev('submit_create', values=form)],
    [ev('create'), ev('submit_create', values=dict(form, amount='999999'))],
    [ev('create'), ev('submit_create', values=dict(form, amount='999999')), ev('submit_create_force', values=dict(form, amount='999999'))],
    [ev('cancel', 'row_action', row_key=MOID)], [ev('resend', 'row_action', row_key=MOID)],
    [ev('cancel', 'row_action', row_key='OTHER-F-9-1')],
    [ev('submit_create', values={'amount': '0.001', 'lifetime': 'forever', 'send_mail': 'yes'})],
    ['{"action":"create"'], ['[]'],
]
for i, events in enumerate(view_seeds):
    write('view_event', f'seed-{i:02d}', MARK.join(events))

# ---- settings ------------------------------------------------------------------------------
base = {'legal_entity_id': 'le-main', 'merchant_id': MERCHANT, 'api_flavour': 'v3', 'api_token': 't', 'api_key': 'k',
        'notification_url': 'https://pms.example.com/hooks/ru.invoicebox.pms.payment-link/1/notify',
        'vat_code': 'vat20', 'default_lifetime': '72h', 'receipt_payment_type': 'full_prepayment',
        'hotel_name': 'Берёзка', 'poll_interval_seconds': 60}
settings_seeds = [
    base,
    dict(base, api_token='', api_key=''),
    dict(base, legal_entities=[{'legal_entity_id': 'le-2', 'merchant_id': '11111111-2222-3333-4444-555555555555',
                                'api_token': 't2', 'api_key': 'k2'}]),
    dict(base, api_base_url='http://127.0.0.1:8081', api_host_confirmed='127.0.0.1'),
    dict(base, api_base_url='http://[::1]:8081/v', api_host_confirmed='[::1]'),
    dict(base, api_base_url='https://API.InvoiceBox.ru/'),
    dict(base, api_base_url='http://10.0.0.5:8081'),
    {'merchant_id': 'nope', 'api_flavour': 'v3', 'api_token': '12345-API:abc'},
    dict(base, poll_interval_seconds=-1, vat_code='vat99', default_lifetime='1y'),
]
for i, s in enumerate(settings_seeds):
    write('settings', f'seed-{i:02d}', json.dumps(s, ensure_ascii=False))
write('settings', 'seed-stored', json.dumps(base) + MARK + json.dumps(dict(base, api_base_url='https://evil.example')))
write('settings', 'seed-schema', '{"a":"x","s":""}' + MARK + MARK + json.dumps({
    'type': 'object', 'required': ['a'], 'properties': {
        'a': {'type': 'string', 'title': 'A', 'minLength': 1, 'maxLength': 10, 'pattern': '^[a-z]+$'},
        's': {'type': 'string', 'title': 'S', 'x-secret': True, 'x-secret-bound-to': ['a']},
        'n': {'type': 'integer', 'minimum': 1, 'maximum': 9, 'default': 3},
        'e': {'type': 'string', 'enum': ['x', 'y']},
        'arr': {'type': 'array', 'items': {'type': 'object', 'properties': {'k': {'type': 'string', 'x-secret': True}}}}}}))

# ---- host_api ------------------------------------------------------------------------------
good = 'Host: 127.0.0.1:8080\nOrigin: http://127.0.0.1:8080\nContent-Type: application/json'
host_seeds = [
    ('POST /api/session', good, '{"login":"admin","password":"secret"}'),
    ('POST /api/properties/1/views/abc/events', good, '{"kind":"row_action","action":"cancel","table":"links","row_key":"A-1","values":{"amount":"10,00","send_mail":true}}'),
    ('PUT /api/properties/1/plugins/ru.invoicebox.pms.payment-link/settings', 'Host: pms.example.com\nOrigin: https://pms.example.com\nContent-Type: application/json; charset=utf-8', json.dumps(dict(base, legal_entities=[{'legal_entity_id': 'le-2', 'api_token': 'x', 'api_key': 'y'}]))),
    ('GET /api/properties/1/notifications?limit=10&unread=1&x=%D0%B0+b', 'Host: [::1]:8080', ''),
    ('DELETE /api/users/7', 'Host: evil.example\nReferer: http://127.0.0.1:8080/x', ''),
    ('POST /api/x', 'Host: pms.local:8443\nOrigin: null\nContent-Type: text/plain', 'not json'),
    ('PATCH /api/%zz', good, '[1,2]'),
]
for i, (line, headers, body) in enumerate(host_seeds):
    write('host_api', f'seed-{i:02d}', line + MARK + headers + MARK + body)

# ---- http_server ---------------------------------------------------------------------------
http_seeds = [
    'GET / HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST /hooks/p/1/notify?x=%20&y=a+b HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 7\r\n\r\n{"a":1}',
    'POST /x HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nWiki\r\n5;ext=1\r\npedia\r\n0\r\nTrailer: x\r\n\r\n',
    'POST /x HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc',
    'POST /x HTTP/1.1\r\nHost: a\r\nExpect: 200-ok\r\nContent-Length: 3\r\n\r\nabc',
    'GET /a HTTP/1.1\r\nHost: a\r\n\r\nGET /twice HTTP/1.1\r\nHost: a\r\n\r\nGET /b HTTP/1.0\r\n\r\n',
    'GET /drop HTTP/1.1\r\nHost: a\r\n\r\n',
    'POST /sse HTTP/1.1\r\nHost: a\r\nContent-Length: 11\r\n\r\nline1\nline2',
    'HEAD / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n',
    'POST / HTTP/1.1\r\nContent-Length: 99999\r\n\r\n',
    'GET / HTTP/1.1\r\nX: ' + 'a' * 2100 + '\r\n\r\n',
    'GET /%zz%2F HTTP/1.1\r\n\r\n',
    'BREW / HTCPCP/1.0\r\n\r\n',
]
for i, s in enumerate(http_seeds):
    write('http_server', f'seed-{i:02d}', s)

# ---- manifest ------------------------------------------------------------------------------
mf = {'manifest': 'pms.plugin-manifest/1', 'library': 'invoicebox_plugin.so',
      'api': {'major': 1, 'minor': 1, 'patch': 0}, 'min_host_minor': 1,
      'plugins': [{'id': 'ru.invoicebox.pms.payment-link', 'name': 'InvoiceBox', 'vendor': 'InvoiceBox',
                   'version': '0.1.0', 'description': 'Платежные ссылки',
                   'capabilities': ['pms.folio-button/1', 'pms.notification-sink/1', 'pms.settings-schema/1']}]}
manifest_in = os.path.join(ROOT, 'invoicebox_plugin', 'plugin', 'plugin.json.in')
seeds = [json.dumps(mf, ensure_ascii=False), json.dumps(dict(mf, plugins=[])),
         json.dumps(dict(mf, api={'major': 1, 'minor': 4294967296, 'patch': -1})),
         json.dumps(dict(mf, plugins=mf['plugins'] * 2)), '{"manifest":"pms.plugin-manifest/0"}']
if os.path.exists(manifest_in):
    seeds.append(re.sub(r'@[A-Za-z_]+@', '1', open(manifest_in, encoding='utf-8').read()))
for i, s in enumerate(seeds):
    write('manifest', f'seed-{i:02d}', s)
print('seeds written to', OUT)
