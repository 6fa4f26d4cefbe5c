import { expect } from 'chai';
import { invokeHash, invokeStringToHash, safeEqual, verifyBodyHash } from '../../server/desk/hash.js';

// Vectors computed outside our code, with `openssl dgst -sha256 -hmac test-secret-0123456789`.
const SECRET = 'test-secret-0123456789';

describe('Desk HASH', () => {
  it('joins Invoke fields in the documented order, skipping absent and empty ones', () => {
    const s = invokeStringToHash({
      connectionLinkName: 'github',
      headers: '{"Accept":"application/vnd.github.full+json"}',
      postBody: '',
      queryParams: '{"state":"all"}',
      requestType: 'GET',
      requestURL: 'https://api.github.com/repos/acme/widgets/issues',
    });
    expect(s).to.equal(
      'requestURL=https://api.github.com/repos/acme/widgets/issues&requestType=GET&queryParams={"state":"all"}' +
        '&headers={"Accept":"application/vnd.github.full+json"}&connectionLinkName=github',
    );
  });

  it('matches a hand-computed HMAC-SHA256 (lowercase hex) for an Invoke payload', () => {
    const hash = invokeHash(SECRET, {
      requestURL: 'https://api.github.com/repos/acme/widgets/issues',
      requestType: 'GET',
      queryParams: '{"state":"all"}',
      headers: '{"Accept":"application/vnd.github.full+json"}',
      connectionLinkName: 'github',
    });
    expect(hash).to.equal('237b2074f2dc9c90871112266316a52c76e91cf9e957bc690a85e671c1341df9');
  });

  it('verifies a callback body HASH given in hex or base64, and refuses anything else', () => {
    const body = '{"event":"onInstall","orgId":387238,"securityContext":"abc"}';
    expect(verifyBodyHash(SECRET, body, '792647c1d35ad8375b5a8ad714203d1e0b955d632bfb799c41e59f573697dc56')).to.equal(true);
    expect(verifyBodyHash(SECRET, body, '792647C1D35AD8375B5A8AD714203D1E0B955D632BFB799C41E59F573697DC56')).to.equal(true);
    expect(verifyBodyHash(SECRET, body, 'eSZHwdNa2DdbWorXFCA9HguVXWMr+3mcQeWfVzaX3FY=')).to.equal(true);
    expect(verifyBodyHash(SECRET, body + ' ', '792647c1d35ad8375b5a8ad714203d1e0b955d632bfb799c41e59f573697dc56')).to.equal(false);
    expect(verifyBodyHash('other-secret-0123456', body, '792647c1d35ad8375b5a8ad714203d1e0b955d632bfb799c41e59f573697dc56')).to.equal(false);
    expect(verifyBodyHash(SECRET, body, undefined)).to.equal(false);
    expect(verifyBodyHash(SECRET, body, '')).to.equal(false);
    expect(verifyBodyHash(SECRET, body, 'x'.repeat(5000))).to.equal(false);
  });

  it('compares strings of different length or content as unequal', () => {
    expect(safeEqual('abc', 'abc')).to.equal(true);
    expect(safeEqual('abc', 'abd')).to.equal(false);
    expect(safeEqual('abc', 'abcd')).to.equal(false);
    expect(safeEqual('', '')).to.equal(true);
  });
});
