import { maskCitizenId } from './citizen-id-mask';

describe('maskCitizenId', () => {
  it('keeps the region and the last 4 characters of an 18-character id', () => {
    expect(maskCitizenId('51132519880712002X')).toBe('511325********002X');
  });

  it('masks a 15-digit id the same way, keeping its length', () => {
    expect(maskCitizenId('511325880712002')).toBe('511325*****2002');
  });

  it('hides a fragment too short to keep both ends', () => {
    expect(maskCitizenId('51132519')).toBe('********');
  });

  it('gives null for no id', () => {
    expect(maskCitizenId(null)).toBeNull();
    expect(maskCitizenId(undefined)).toBeNull();
    expect(maskCitizenId('')).toBeNull();
  });
});
