export class PriceFeed {
  private socket?: WebSocket;

  start(url: string, onPrice: (p: number) => void): void {
    this.socket = new WebSocket(url);
    this.socket.addEventListener("message", (e) => onPrice(Number(e.data)));
  }

  stop(): void {
    this.socket?.close();
  }
}

const seen = new Map<string, number>();

export function remember(id: string, price: number): void {
  seen.set(id, price);
}
