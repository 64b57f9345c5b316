/** China Standard Time's date and HH:MM of an instant: a campaign day's date and departure as the county writes them. */
export function chinaClock(at: Date): { date: string; time: string } {
  const iso = new Date(at.getTime() + 8 * 3600_000).toISOString();
  return { date: iso.slice(0, 10), time: iso.slice(11, 16) };
}
