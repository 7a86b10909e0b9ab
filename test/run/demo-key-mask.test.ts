/**
 * The demo's key masking decides from the prompts the portal started, never from the keys:
 * every way of typing a PIN ahead stays hidden.
 */
import { KeyMask } from '../../demo/key-mask';

const prompt = (id: string): string => `sound:voice-portal/${id}`;

test('nothing heard yet: every digit is hidden, * and # are not', () => {
  expect(new KeyMask().showAll('1234*#')).toBe('••••*#');
});

test('at a mailbox prompt: the mailbox shows, everything after its # is hidden (admin passcode too)', () => {
  const mask = new KeyMask();
  mask.mediaStarted(prompt('welcome-enter-mailbox'));
  expect(mask.showAll('8000#4242#1')).toBe('8000#••••#•');
  mask.mediaStarted('sound:beep'); // not a portal prompt: changes nothing
  expect(mask.showAll('9')).toBe('•');
  mask.mediaStarted(prompt('admin-menu'));
  expect(mask.showAll('1')).toBe('1');
});

test('PIN prompts hide until a menu starts, through the prompts in between', () => {
  const mask = new KeyMask();
  for (const id of ['enter-passcode', 'enter-new-passcode', 'confirm-passcode', 'passcode-too-short', 'welcome']) {
    mask.mediaStarted(prompt('main-menu'));
    mask.mediaStarted(prompt(id));
    expect(mask.showAll('2468')).toBe('••••');
    mask.mediaStarted(prompt('passcode-changed'));
    expect(mask.showAll('13')).toBe('••');
  }
  mask.mediaStarted(prompt('main-menu'));
  expect(mask.showAll('3')).toBe('3');
});

test('after a menu key, typed-ahead digits are hidden until the next prompt starts', () => {
  const mask = new KeyMask();
  mask.mediaStarted(prompt('main-menu'));
  expect(mask.showAll('8246813#')).toBe('8••••••#');
  mask.mediaStarted(prompt('greetings-menu'));
  expect(mask.showAll('2')).toBe('2');
});
