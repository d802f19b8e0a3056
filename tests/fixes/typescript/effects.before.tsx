// fix-test: select=LL401,LL204
import { useEffect, useState } from "react";

export function WindowWidth() {
  const [width, setWidth] = useState(window.innerWidth);
  useEffect(() => {
    const onResize = () => setWidth(window.innerWidth);
    window.addEventListener("resize", onResize);
  }, []);
  return <span>{width}</span>;
}

export function Clock() {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const id = setInterval(() => setNow(Date.now()), 1000);
    document.addEventListener("visibilitychange", onVisible, true);
    function onVisible() {
      setNow(Date.now());
    }
  }, []);
  return <time>{now}</time>;
}

// An inline handler can never be removed by name: reported, and no fix.
export function Inline() {
  useEffect(() => {
    window.addEventListener("scroll", () => console.log(window.scrollY));
  }, []);
  return null;
}
